// EventHub batching: with a deferral hook, the events of one interval reach each stream
// in one write, in order, and a stream that subscribes in between gets each event once.
#include <doctest/doctest.h>

#include <functional>
#include <memory>
#include <vector>

#include "daemon/events/event_hub.hpp"

using namespace hpod;

namespace {

struct Stream final : http::Responder {
  std::vector<std::string> writes;
  void respond(http::Response) override {}
  void start_stream(http::Response) override {}
  bool write(std::string chunk) override {
    writes.push_back(std::move(chunk));
    return true;
  }
  void end() override {}
  bool closed() const override { return false; }
  std::string all() const {
    std::string s;
    for (auto& w : writes) s += w;
    return s;
  }
};

std::size_t count(const std::string& s, const std::string& what) {
  std::size_t n = 0;
  for (auto at = s.find(what); at != std::string::npos; at = s.find(what, at + 1)) ++n;
  return n;
}

}  // namespace

TEST_CASE("without a deferral hook every event is written at once") {
  EventHub hub;
  auto a = std::make_shared<Stream>();
  hub.subscribe("s", a, std::nullopt);
  hub.publish("s", "report", "{\"step\":1}");
  hub.publish("s", "report", "{\"step\":2}");
  CHECK(a->writes.size() == 3);  // the replay, then one write per event
  CHECK(hub.last_id("s") == 2);
  CHECK(hub.last_id("other") == 0);
}

TEST_CASE("batched: one write per stream per interval, nothing lost or repeated") {
  EventHub hub;
  std::vector<std::function<void()>> timers;
  hub.set_deferral([&](std::chrono::milliseconds d, std::function<void()> f) {
    CHECK(d == std::chrono::milliseconds(20));
    timers.push_back(std::move(f));
  });
  auto a = std::make_shared<Stream>(), b = std::make_shared<Stream>();
  hub.subscribe("s", a, std::nullopt);
  hub.subscribe("s", b, std::nullopt);
  for (int i = 0; i < 100; ++i) hub.publish("s", "report", "{\"step\":" + std::to_string(i) + "}");
  CHECK(timers.size() == 1);  // one flush scheduled for the whole burst
  CHECK(a->writes.size() == 1);  // only the replay so far
  // A stream that subscribes now: the others get the unsent events first, the newcomer
  // gets them in its replay, nobody twice.
  auto c = std::make_shared<Stream>();
  hub.subscribe("s", c, std::nullopt);
  CHECK(a->writes.size() == 2);
  hub.publish("s", "report", "{\"step\":100}");
  CHECK(timers.size() == 1);  // the flush still pending covers it
  timers[0]();
  for (auto* s : {a.get(), b.get(), c.get()}) {
    std::string all = s->all();
    CHECK(count(all, "event: report") == 101);
    CHECK(all.find("\"step\":99}") < all.find("\"step\":100}"));
  }
  CHECK(a->writes.size() == 3);
  CHECK(c->writes.size() == 2);  // its replay, then the last batch
  // Keepalives and shutdown flush what is pending first.
  hub.publish("s", "report", "{\"step\":101}");
  CHECK(timers.size() == 2);  // a new interval
  hub.close_all();
  CHECK(count(a->all(), "event: report") == 102);
}
