#include "daemon/events/event_hub.hpp"

#include <algorithm>

namespace hpod {

std::int64_t EventHub::publish(const std::string& study, const std::string& type, const std::string& data_json) {
  Channel& c = channels_[study];
  std::int64_t id = c.next_id++;
  std::string text = "id: " + std::to_string(id) + "\nevent: " + type + "\ndata: " + data_json + "\n\n";
  ++published_;
  if (!c.streams.empty()) {
    c.unsent += text;
    if (!defer_) {
      flush(c);
    } else if (!flush_scheduled_) {
      flush_scheduled_ = true;
      defer_(batch_, [this] { flush_all(); });
    }
  }
  c.events.push_back({id, std::move(text)});
  if (c.events.size() > history_) c.events.pop_front();
  return id;
}

void EventHub::subscribe(const std::string& study, std::shared_ptr<http::Responder> out,
                         std::optional<std::int64_t> last_event_id, std::size_t max_replay) {
  Channel& c = channels_[study];
  // What the others have not been sent yet is in the history replayed below: send it to
  // them first, so the new stream gets it once.
  flush(c);
  http::Response head;
  head.content_type = "text/event-stream";
  head.headers.emplace_back("X-Accel-Buffering", "no");
  out->start_stream(std::move(head));
  // Tell the browser how long to wait before reconnecting.
  std::string replay = "retry: 1000\n\n";
  std::size_t first = c.events.size() > max_replay ? c.events.size() - max_replay : 0;
  for (std::size_t i = first; i < c.events.size(); ++i)
    if (!last_event_id || c.events[i].id > *last_event_id) replay += c.events[i].text;
  out->write(std::move(replay));
  c.streams.push_back(std::move(out));
}

void EventHub::flush(Channel& c) {
  if (c.unsent.empty()) return;
  std::erase_if(c.streams, [&](const std::shared_ptr<http::Responder>& s) { return !s->write(c.unsent); });
  c.unsent.clear();
}

void EventHub::flush_all() {
  flush_scheduled_ = false;
  for (auto& [_, c] : channels_) flush(c);
}

void EventHub::keepalive() {
  flush_all();
  for (auto& [_, c] : channels_)
    std::erase_if(c.streams, [](const std::shared_ptr<http::Responder>& s) { return !s->write(": keepalive\n\n"); });
}

void EventHub::close_all() {
  flush_all();
  for (auto& [_, c] : channels_) {
    for (auto& s : c.streams) s->end();
    c.streams.clear();
  }
}

std::size_t EventHub::subscribers() const {
  std::size_t n = 0;
  for (auto& [_, c] : channels_) n += c.streams.size();
  return n;
}

std::int64_t EventHub::last_id(const std::string& study) const {
  auto it = channels_.find(study);
  return it == channels_.end() ? 0 : it->second.next_id - 1;
}

}  // namespace hpod
