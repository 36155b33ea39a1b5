// libFuzzer target: the request router and handlers. The input is a sequence of requests
// separated by "\n===\n"; each is "METHOD TARGET [token]\n<body>". The token word may be
// "admin", "trial" (the last asked trial's token) or anything else. Requests go to a real
// StudyService over a real SQLite file, so sequences (submit, ask, report, tell) reach deep
// states. Every request must be answered exactly once with a known status and a JSON body.
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <deque>
#include <filesystem>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "daemon/api/api.hpp"
#include "daemon/events/event_hub.hpp"
#include "daemon/http/auth.hpp"
#include "daemon/service/study_service.hpp"
#include "daemon/storage/storage_writer.hpp"

namespace {

using namespace hpod;

const std::string kAdmin = "fuzz-admin-token";

struct Captured final : http::Responder {
  int responses = 0;
  int status = 0;
  std::string body;
  bool streaming = false;
  void respond(http::Response r) override {
    ++responses;
    status = r.status;
    body = std::move(r.body);
  }
  void start_stream(http::Response) override {
    ++responses;
    streaming = true;
    status = 200;
  }
  bool write(std::string) override { return true; }
  void end() override {}
  bool closed() const override { return false; }
};

struct World {
  std::string dir;
  std::unique_ptr<Storage> storage;
  std::deque<std::function<void()>> posted;
  std::unique_ptr<StorageWriter> writer;
  std::unique_ptr<EventHub> events;
  std::unique_ptr<StudyService> service;
  std::unique_ptr<api::Api> api;
  std::string last_trial_token;

  World() {
    dir = (std::filesystem::temp_directory_path() / ("hpod-fuzz-" + std::to_string(::getpid()))).string();
    std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir);
    StorageOptions o;
    o.path = dir + "/f.db";
    o.synchronous = "NORMAL";
    storage = std::move(Storage::open(o)).value();
    writer = std::make_unique<StorageWriter>(*storage, [this](std::function<void()> f) { post(std::move(f)); });
    events = std::make_unique<EventHub>(100);
    service = std::make_unique<StudyService>(*writer, *events);
    api::ApiOptions ao;
    ao.admin_token_sha256 = {auth::sha256_hex(kAdmin)};
    api = std::make_unique<api::Api>(*service, ao);
  }
  std::mutex mu;
  void post(std::function<void()> f) {
    std::lock_guard l(mu);
    posted.push_back(std::move(f));
  }
  // Runs completions until the writer is idle (the io_context's job in the daemon).
  void settle() {
    for (;;) {
      std::deque<std::function<void()>> now;
      {
        std::lock_guard l(mu);
        now.swap(posted);
      }
      for (auto& f : now) f();
      if (now.empty() && writer->pending() == 0) {
        std::lock_guard l(mu);
        if (posted.empty()) return;
      }
      if (now.empty()) usleep(50);
    }
  }
};

World& world() {
  static World w;
  return w;
}

void one(World& w, std::string_view req) {
  auto nl = req.find('\n');
  std::string head(req.substr(0, nl));
  std::string body = nl == std::string_view::npos ? "" : std::string(req.substr(nl + 1));
  auto sp1 = head.find(' ');
  if (sp1 == std::string::npos) return;
  auto sp2 = head.find(' ', sp1 + 1);
  http::Request r;
  r.method = head.substr(0, sp1);
  r.target = head.substr(sp1 + 1, sp2 == std::string::npos ? std::string::npos : sp2 - sp1 - 1);
  std::string who = sp2 == std::string::npos ? "" : head.substr(sp2 + 1);
  if (who == "admin") r.authorization = "Bearer " + kAdmin;
  else if (who == "trial") r.authorization = "Bearer " + w.last_trial_token;
  else if (!who.empty()) r.authorization = "Bearer " + who;
  r.body = body;
  if (!http::parse_target(r.target, r.path, r.query)) return;
  auto out = std::make_shared<Captured>();
  w.api->handle(std::move(r), out);
  w.settle();
  if (out->responses != 1) __builtin_trap();
  if (out->streaming) return;
  static const int known[] = {200, 201, 400, 401, 403, 404, 405, 409, 413, 415, 500, 503};
  bool ok = false;
  for (int k : known) ok |= out->status == k;
  if (!ok || out->status == 500) __builtin_trap();
  auto j = nlohmann::json::parse(out->body, nullptr, false);
  // JSON, except /metrics (Prometheus text) and a study's columns (the dashboard's binary).
  if (j.is_discarded() && out->body.rfind("# HELP", 0) != 0 && out->body.rfind("HPODCOL1", 0) != 0) __builtin_trap();
  if (!j.is_discarded() && j.is_object() && j.contains("token") && j["token"].is_string())
    w.last_trial_token = j["token"].get<std::string>();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  World& w = world();
  std::string_view in(reinterpret_cast<const char*>(data), size);
  const std::string_view sep = "\n===\n";
  int n = 0;
  while (!in.empty() && n++ < 16) {
    auto p = in.find(sep);
    one(w, in.substr(0, p));
    if (p == std::string_view::npos) break;
    in.remove_prefix(p + sep.size());
  }
  return 0;
}
