#include "daemon/daemon.hpp"

#include <signal.h>
#include <sys/stat.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <thread>
#include <nlohmann/json.hpp>

#include "daemon/api/api.hpp"
#include "daemon/dashboard/assets.hpp"
#include "daemon/events/event_hub.hpp"
#include "daemon/executors/file_modes.hpp"
#include "daemon/executors/local_executor.hpp"
#include "daemon/fd_limit.hpp"
#include "daemon/executors/slurm_executor.hpp"
#include "daemon/orchestrator/orchestrator.hpp"
#include "daemon/studies_dir.hpp"
#include "daemon/http/server.hpp"
#include "daemon/log.hpp"
#include "daemon/metrics.hpp"
#include "daemon/worker_pool.hpp"
#include "daemon/service/study_service.hpp"
#include "daemon/storage/sqlite_files.hpp"
#include "daemon/storage/storage_writer.hpp"

namespace hpod {

namespace net = boost::asio;
namespace fs = std::filesystem;

namespace {

Status write_url_file(const std::string& path, const std::string& url) {
  // Written whole and renamed, so a waiting script never reads half a URL.
  std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp);
    out << url << "\n";
    if (!out) return Status::IOError("cannot write " + tmp);
  }
  std::error_code ec;
  fs::rename(tmp, path, ec);
  if (ec) return Status::IOError("cannot rename " + tmp + " to " + path + ": " + ec.message());
  return Status::OK();
}

// An existing database (from before hpod made its files private, or copied in) that
// others can read: said, not changed behind the operator's back.
void warn_if_readable_by_others(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0 || (st.st_mode & 077) == 0) return;
  char mode[8];
  std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(st.st_mode & 07777));
  log::warn("database " + path + " has mode " + mode + ": others can read trial environments (e.g. API keys) in it; chmod 600 it (and its -wal/-shm)");
}

// Periodic work on the owner thread.
void every(net::steady_timer& t, double seconds, std::function<void()> f) {
  t.expires_after(std::chrono::milliseconds(static_cast<long>(seconds * 1000)));
  t.async_wait([&t, seconds, f](const boost::system::error_code& ec) {
    if (ec) return;
    f();
    every(t, seconds, f);
  });
}

// The HPOD_URL running trials were given (stored with their jobs), or "".
std::string url_of_running_trials(StudyService& service) {
  for (StudyRuntime* s : service.studies())
    for (const FrozenTrial* t : s->study.trials()) {
      if (t->state != TrialState::kRunning) continue;
      const auto& meta = s->trials[static_cast<std::size_t>(t->number)].meta;
      auto it = meta.find("job");
      if (it == meta.end()) continue;
      auto j = nlohmann::json::parse(it->second, nullptr, false);
      if (j.is_object() && j.contains("url") && j["url"].is_string() && !j["url"].get<std::string>().empty())
        return j["url"].get<std::string>();
    }
  return "";
}

// "http://host:8470/..." → 8470; 0 if there is none.
int port_of_url(const std::string& url) {
  auto start = url.find("://");
  start = start == std::string::npos ? 0 : start + 3;
  auto end = url.find('/', start);
  std::string authority = url.substr(start, end == std::string::npos ? std::string::npos : end - start);
  auto colon = authority.rfind(':');
  if (colon == std::string::npos || authority.find(']', colon) != std::string::npos) return 0;
  int port = 0;
  for (char ch : authority.substr(colon + 1)) {
    if (ch < '0' || ch > '9' || port > 65535) return 0;
    port = port * 10 + (ch - '0');
  }
  return port <= 65535 ? port : 0;
}

}  // namespace

int run_daemon(const DaemonConfig& cfg, const DaemonFlags& flags) {
  ::signal(SIGPIPE, SIG_IGN);
  // Before any file is created: the database, its -wal/-shm, run directories and logs are
  // 0600/0700 (trial processes get the original umask back).
  make_daemon_files_private();
  auto fds = raise_fd_limit(cfg.max_connections);
  if (!fds.note.empty()) (fds.max_connections < cfg.max_connections ? log::warn : log::info)(fds.note);
  StorageOptions so;
  so.path = cfg.database;
  so.optuna_schema = cfg.optuna_schema;
  so.synchronous = cfg.sqlite_synchronous;
  auto storage = Storage::open(so);
  if (!storage.ok()) {
    log::error(storage.status().message());
    return 1;
  }
  log::info("database " + cfg.database + " (Optuna schema " + (*storage)->schema_revision() + ")");
  warn_if_readable_by_others(cfg.database);

  net::io_context ioc(1);
  StorageWriter writer(**storage, [&ioc](std::function<void()> f) { net::post(ioc, std::move(f)); });
  EventHub events;
  // Events go out in batches every 20 ms: one write per open stream per batch.
  events.set_deferral([&ioc](std::chrono::milliseconds delay, std::function<void()> f) {
    auto t = std::make_shared<net::steady_timer>(ioc, delay);
    t->async_wait([t, f = std::move(f)](const boost::system::error_code& ec) {
      if (!ec) f();
    });
  });
  // Sampler work runs beside the owner thread, not on it (a GP fit takes tens of ms).
  WorkerPool sampler_pool(static_cast<int>(std::clamp(std::thread::hardware_concurrency() / 2, 1u, 4u)));
  ServiceOptions so_service;
  so_service.sampler_pool = &sampler_pool;
  so_service.post = [&ioc](std::function<void()> f) { net::post(ioc, std::move(f)); };
  so_service.warn = [](const std::string& m) { log::warn(m); };
  so_service.error = [](const std::string& m) { log::error(m); };
  StudyService service(writer, events, so_service);
  if (Status st = service.load(**storage); !st.ok()) {
    log::error("loading " + cfg.database + ": " + st.message());
    return 1;
  }
  log::info("loaded " + std::to_string(service.studies().size()) + " studies");

  LocalExecutor local_executor;
  SlurmExecutorOptions slurm_options;  // Slurm's clients from PATH; SLURM_CONF from the environment
  slurm_options.warn = [](const std::string& m) { log::warn(m); };
  SlurmExecutor slurm_executor(slurm_options);
  std::map<std::string, Executor*> executors{{"local", &local_executor}, {"slurm", &slurm_executor}};
  OrchestratorOptions oo;
  oo.runs_dir = fs::absolute(cfg.runs_dir).lexically_normal().string();
  oo.default_workdir = fs::current_path().string();
  oo.poll_interval_s = cfg.poll_interval_s;
  oo.kill_after_term_s = cfg.kill_after_term_s;
  oo.pause_after_refusals = cfg.pause_after_refusals;
  oo.post = [&ioc](std::function<void()> f) { net::post(ioc, std::move(f)); };
  oo.info = [](const std::string& m) { log::info(m); };
  oo.warn = [](const std::string& m) { log::warn(m); };

  http::Server* server_ptr = nullptr;
  Orchestrator* orchestrator_ptr = nullptr;
  api::ApiOptions ao;
  ao.admin_token_sha256 = cfg.admin_tokens_sha256;
  ao.asset = dashboard::find_asset;
  ao.runs_dir = oo.runs_dir;
  ao.database_path = fs::absolute(cfg.database).string();
  ao.post = [&ioc](std::function<void()> f) { net::post(ioc, std::move(f)); };
  ao.extra_metrics = [&writer, &server_ptr, &orchestrator_ptr]() {
    auto w = writer.stats();
    PrometheusText p;
    p.counter("hpod_storage_writes_total", w.ops);
    p.counter("hpod_storage_commits_total", w.batches);
    p.counter("hpod_storage_commit_seconds_total", w.commit_seconds_total);
    p.counter("hpod_storage_failed_writes_total", w.failed_ops);
    if (server_ptr) {
      auto s = server_ptr->stats();
      p.gauge("hpod_http_connections", s.connections_open);
      p.counter("hpod_http_connections_refused_total", s.connections_refused);
    }
    if (orchestrator_ptr) {
      const auto& o = orchestrator_ptr->stats();
      p.counter("hpod_trials_launched_total", o.launched);
      p.counter("hpod_launch_failures_total", o.launch_failures);
      p.counter("hpod_trial_retries_total", o.retries);
      p.counter("hpod_heartbeat_timeouts_total", o.heartbeat_timeouts);
      p.summary("hpod_relaunch_seconds", o.relaunch_seconds_total, o.relaunches,
                "From a trial's end (its slot freed) to the next launch.");
      p.gauge("hpod_executor_poll_seconds", o.last_poll_seconds);
      p.counter("hpod_executor_polls_total", o.polls);
      p.gauge("hpod_jobs_in_flight", orchestrator_ptr->jobs_in_flight());
    }
    return p.take();
  };
  api::Api api(service, ao);

  http::ServerOptions hs;
  hs.host = cfg.host;
  hs.port = static_cast<std::uint16_t>(cfg.port);
  // Running trials report to the URL they were given at launch. With "listen" port 0 a
  // restart would take another port and they could never report again: take theirs.
  const std::string trials_url = url_of_running_trials(service);
  int trials_port = cfg.public_url.empty() ? port_of_url(trials_url) : 0;
  bool reusing_port = false;
  if (cfg.port == 0 && trials_port > 0) {
    hs.port = static_cast<std::uint16_t>(trials_port);
    reusing_port = true;
    log::info("listen port 0: taking port " + std::to_string(trials_port) + " again, where running trials report (" +
              trials_url + ")");
  } else if (trials_port > 0 && trials_port != cfg.port) {
    log::warn("running trials report to " + trials_url + " but hpod now listens on port " + std::to_string(cfg.port) +
              ": they cannot reach it (set listen back, or public_url)");
  }
  hs.max_body_bytes = cfg.max_body_bytes;
  hs.max_connections = fds.max_connections;
  hs.warn = [](const std::string& m) { log::warn(m); };
  hs.read_timeout_s = cfg.read_timeout_s;
  hs.tls_cert = cfg.tls_cert;
  hs.tls_key = cfg.tls_key;
  http::Server server(ioc, hs, [&api](http::Request&& req, std::shared_ptr<http::Responder> out) {
    api.handle(std::move(req), std::move(out));
  });
  server_ptr = &server;
  if (Status st = server.start(); !st.ok()) {
    if (reusing_port)
      log::error(st.message() + ": port " + std::to_string(trials_port) +
                 " is where this database's running trials report (HPOD_URL " + trials_url +
                 "); free it, or set \"listen\" to a fixed port (README, Running hpod)");
    else
      log::error(st.message());
    return 1;
  }
  std::string scheme = cfg.tls_cert ? "https" : "http";
  std::string host = cfg.host.find(':') != std::string::npos ? "[" + cfg.host + "]" : cfg.host;
  std::string url = scheme + "://" + host + ":" + std::to_string(server.port());
  log::info("listening on " + url + (cfg.admin_tokens_sha256.empty() ? " (no admin tokens: loopback only, admin endpoints open)" : "") +
            "; dashboard at " + url + "/");
  oo.public_url = cfg.public_url.empty() ? url : cfg.public_url;
  Orchestrator orchestrator(service, executors, oo);
  orchestrator_ptr = &orchestrator;
  service.set_observer(&orchestrator);
  orchestrator.start();
  net::steady_timer orchestrator_timer(ioc);
  every(orchestrator_timer, 0.1, [&orchestrator] { orchestrator.tick(); });
  // A local trial's process ended: settle it now rather than at the next poll.
  net::signal_set children(ioc, SIGCHLD);
  std::function<void()> watch_children = [&] {
    children.async_wait([&](const boost::system::error_code& ec, int) {
      if (ec) return;
      orchestrator.local_child_exited();
      watch_children();
    });
  };
  watch_children();

  std::unique_ptr<StudiesDir> studies_dir;
  net::steady_timer studies_dir_timer(ioc);
  if (!cfg.studies_dir.empty()) {
    std::error_code ec;
    fs::create_directories(cfg.studies_dir, ec);
    studies_dir = std::make_unique<StudiesDir>(
        cfg.studies_dir,
        [&service](StudySpec spec, const std::string& file) {
          std::string name = spec.name;
          service.submit_study(std::move(spec), [name, file](Result<StudyRuntime*> r, bool created) {
            if (!r.ok()) log::error(file + ": " + r.status().message());
            else if (created) log::info("study " + name + " submitted from " + file);
          });
        },
        [](const std::string& m) { log::error(m); },
        [&ioc](std::function<void()> f) { net::post(ioc, std::move(f)); });
    studies_dir->scan();
    every(studies_dir_timer, 2.0, [&studies_dir] { studies_dir->scan(); });
    log::info("watching " + cfg.studies_dir + " for study files");
  }

  if (!flags.url_file.empty()) {
    if (Status st = write_url_file(flags.url_file, url); !st.ok()) {
      log::error(st.message());
      return 1;
    }
  }

  net::steady_timer keepalive(ioc);
  every(keepalive, 15.0, [&events] { events.keepalive(); });

  // SIGTERM / SIGINT: stop accepting, answer what is in flight, commit, close.
  net::signal_set signals(ioc, SIGINT, SIGTERM);
  net::steady_timer drain(ioc);
  auto deadline = std::make_shared<std::chrono::steady_clock::time_point>();
  std::function<void()> check_drained = [&]() {
    bool done = server.in_flight() == 0 && writer.pending() == 0;
    if (done || std::chrono::steady_clock::now() > *deadline) {
      if (!done) log::warn("shutdown: gave up waiting for " + std::to_string(server.in_flight()) + " requests");
      ioc.stop();
      return;
    }
    drain.expires_after(std::chrono::milliseconds(10));
    drain.async_wait([&](const boost::system::error_code&) { check_drained(); });
  };
  signals.async_wait([&](const boost::system::error_code& ec, int sig) {
    if (ec) return;
    log::info(std::string("received ") + (sig == SIGTERM ? "SIGTERM" : "SIGINT") + ": draining");
    keepalive.cancel();
    orchestrator_timer.cancel();
    studies_dir_timer.cancel();
    children.cancel();
    server.stop();
    events.close_all();
    *deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    check_drained();
  });

  // The last barrier: a handler that throws (a bug) is logged and the daemon serves on;
  // the API answers such requests with a 500 before it gets here.
  for (;;) {
    try {
      ioc.run();
      break;
    } catch (const std::exception& e) {
      log::error(std::string("internal error on the daemon's thread (serving on): ") + e.what());
    } catch (...) {
      log::error("internal error on the daemon's thread (serving on): an exception that is not a std::exception");
    }
  }
  // Trials keep running: a restarted hpod re-attaches to them.
  orchestrator.shutdown();
  sampler_pool.stop();
  service.set_observer(nullptr);
  writer.stop();
  // Closed first: the file can leave WAL mode only when no connection has it open.
  storage->reset();
  if (Status st = leave_wal_mode(cfg.database); !st.ok()) log::warn(st.message());
  log::info("stopped; database closed");
  return 0;
}

}  // namespace hpod
