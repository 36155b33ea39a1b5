// GET /api/v1/snapshot: a consistent copy of the live database for operators (hpoctl
// snapshot), e.g. for optuna-dashboard's in-browser loader, which cannot open a file in
// WAL mode, or a backup. A plain cp of the running file misses what sits in the -wal.
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>

#include "daemon/api/api_internal.hpp"
#include "daemon/http/auth.hpp"
#include "daemon/worker_pool.hpp"
#include "daemon/storage/sqlite_files.hpp"

namespace hpod::api {

namespace {

struct SnapshotState {
  bool busy = false;        // daemon thread only
  WorkerPool worker{1};  // last: joined before the rest goes
};

// The copy's bytes. The copy is made next to the database (same disk, same permissions
// regime) under a random name and removed once read.
Result<std::string> make_snapshot(const std::string& db_path) {
  std::string tmp = db_path + ".snapshot-" + auth::random_token().substr(0, 16);
  HPOD_RETURN_IF_ERROR(snapshot_database(db_path, tmp));
  std::ifstream in(tmp, std::ios::binary);
  std::ostringstream bytes;
  bytes << in.rdbuf();
  bool read_ok = static_cast<bool>(in) || in.eof();
  in.close();
  std::error_code ec;
  std::filesystem::remove(tmp, ec);
  if (!read_ok) return Status::IOError("snapshot: cannot read back " + tmp);
  return bytes.str();
}

void send_snapshot(http::Responder& out, Result<std::string> bytes) {
  if (!bytes.ok()) return respond_error(out, bytes.status());
  http::Response r;
  r.content_type = "application/vnd.sqlite3";
  r.headers.emplace_back("Content-Disposition", "attachment; filename=\"hpod-snapshot.db\"");
  r.body = std::move(bytes).value();
  out.respond(std::move(r));
}

}  // namespace

void register_snapshot_routes(Router& r, Api::Context& c) {
  auto state = std::make_shared<SnapshotState>();
  r.add("GET", "/api/v1/snapshot", Access::kAdmin, [&c, state](http::Request&, const PathParams&, std::shared_ptr<http::Responder> out) {
    if (c.options.database_path.empty()) return respond_error(*out, 404, "not_found", "this hpod has no database file to copy");
    // One at a time: each holds a copy of the database in memory while it is sent.
    if (state->busy) return respond_error(*out, 409, "conflict", "a snapshot is being made: try again when it is done");
    std::string db = c.options.database_path;
    if (!c.options.post) return send_snapshot(*out, make_snapshot(db));
    state->busy = true;
    std::weak_ptr<SnapshotState> weak = state;
    auto post = c.options.post;
    state->worker.run([weak, post, db, out] {
      auto bytes = std::make_shared<Result<std::string>>(make_snapshot(db));
      // Answered on the daemon's thread, where the request's metrics live.
      post([weak, out, bytes] {
        if (auto strong = weak.lock()) strong->busy = false;
        send_snapshot(*out, std::move(*bytes));
      });
    });
  });
}

}  // namespace hpod::api
