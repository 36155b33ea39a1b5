// An Api over a real StudyService and SQLite file, with the daemon's io_context replaced
// by a queue that settle() drains: what the API fuzzer and the API's unit tests drive.
#pragma once

#include <unistd.h>

#include <deque>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <string>

#include "daemon/api/api.hpp"
#include "daemon/events/event_hub.hpp"
#include "daemon/http/auth.hpp"
#include "daemon/service/study_service.hpp"
#include "daemon/storage/storage_writer.hpp"

namespace hpod::testing {

// Records what a handler answered.
struct CapturedResponse final : http::Responder {
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
  // A stream is over as soon as it starts: the event hub drops it rather than keeping
  // every subscription for the rest of a fuzzing run.
  bool closed() const override { return streaming; }
};

struct ApiWorld {
  std::string dir;
  std::unique_ptr<Storage> storage;
  std::mutex mu;
  std::deque<std::function<void()>> posted;
  std::unique_ptr<StorageWriter> writer;
  std::unique_ptr<EventHub> events;
  std::unique_ptr<StudyService> service;
  std::unique_ptr<api::Api> api;

  // `tag` names the scratch directory (one per process and tag).
  ApiWorld(const std::string& tag, api::ApiOptions options) {
    dir = (std::filesystem::temp_directory_path() / ("hpod-" + tag + "-" + std::to_string(::getpid()))).string();
    std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir);
    StorageOptions o;
    o.path = dir + "/f.db";
    o.synchronous = "NORMAL";
    storage = std::move(Storage::open(o)).value();
    writer = std::make_unique<StorageWriter>(*storage, [this](std::function<void()> f) { post(std::move(f)); });
    events = std::make_unique<EventHub>(100);
    service = std::make_unique<StudyService>(*writer, *events);
    api = std::make_unique<api::Api>(*service, std::move(options));
  }
  ~ApiWorld() {
    api.reset();
    service.reset();
    writer.reset();
    storage.reset();
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
  }

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

  // One request, answered and settled.
  std::shared_ptr<CapturedResponse> call(const std::string& method, const std::string& target, const std::string& body,
                                         const std::string& authorization = "") {
    http::Request r;
    r.method = method;
    r.target = target;
    r.body = body;
    r.authorization = authorization;
    r.host = "127.0.0.1";
    auto out = std::make_shared<CapturedResponse>();
    if (!http::parse_target(r.target, r.path, r.query)) return out;
    api->handle(std::move(r), out);
    settle();
    return out;
  }
};

}  // namespace hpod::testing
