// Server-Sent Events per study: a bounded history (so a reconnecting client with
// Last-Event-ID misses nothing recent) and the open streams. Publishing costs one
// formatting, proportional to the new event, not to the study. With a deferral hook the
// events of a short interval go out together, one write per open stream per interval:
// fifty open dashboards then cost fifty writes every few milliseconds, not fifty writes
// per report. Owner thread only.
#pragma once

#include <cstdint>
#include <chrono>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "daemon/http/http_types.hpp"

namespace hpod {

class EventHub {
 public:
  explicit EventHub(std::size_t history = 10000) : history_(history) {}

  // Runs a function on the owner thread after `delay`. Set: events are batched for that
  // long; unset (tests): every event is written at once.
  using Deferral = std::function<void(std::chrono::milliseconds delay, std::function<void()>)>;
  void set_deferral(Deferral d, std::chrono::milliseconds batch = std::chrono::milliseconds(20)) {
    defer_ = std::move(d);
    batch_ = batch;
  }

  // Sends `data_json` as event `type` to the study's streams; returns the event id.
  std::int64_t publish(const std::string& study, const std::string& type, const std::string& data_json);
  // Starts a stream: replays the kept events after `last_event_id` (all kept events if
  // none), then keeps the stream open for new ones.
  // `max_replay` caps the replay to the most recent events (hpoctl tail asks for a few).
  void subscribe(const std::string& study, std::shared_ptr<http::Responder> out, std::optional<std::int64_t> last_event_id,
                 std::size_t max_replay = static_cast<std::size_t>(-1));
  // A comment line to every stream, so dead clients are found and dropped.
  void keepalive();
  // Ends every stream (shutdown).
  void close_all();
  std::size_t subscribers() const;
  // The id of the study's latest event (0: none yet): a snapshot taken now plus the
  // stream from after this id misses nothing and repeats nothing.
  std::int64_t last_id(const std::string& study) const;
  std::uint64_t published() const { return published_; }

 private:
  struct Event {
    std::int64_t id;
    std::string text;  // formatted SSE frame
  };
  struct Channel {
    std::int64_t next_id = 1;
    std::deque<Event> events;
    std::vector<std::shared_ptr<http::Responder>> streams;
    std::string unsent;  // frames published since the last flush
  };
  // Writes a channel's unsent frames to its streams, dropping the streams that are gone.
  void flush(Channel& c);
  void flush_all();
  std::size_t history_;
  Deferral defer_;
  std::chrono::milliseconds batch_{20};
  bool flush_scheduled_ = false;
  std::map<std::string, Channel> channels_;
  std::uint64_t published_ = 0;
};

}  // namespace hpod
