// Plain request/response types between the Beast server and the API: no Beast here, so
// the API, the tests and the fuzz targets build without it.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace hpod::http {

struct Request {
  std::string method;                          // "GET", "POST", ...
  std::string target;                          // as sent: "/api/v1/studies?state=RUNNING"
  std::string path;                            // the path as sent (still percent-encoded), no query
  std::map<std::string, std::string> query;    // decoded query parameters
  std::string body;
  std::string authorization;                   // the Authorization header
  std::string cookie;                          // the Cookie header
  std::string content_type;
  std::string last_event_id;                   // Last-Event-ID (SSE reconnects)
  std::string host;                            // Host
  std::string origin;                          // Origin (browsers send it on POST/DELETE)
  std::string csrf;                            // X-Hpod-Csrf (the dashboard's CSRF token)
  std::string remote_address;                  // peer IP
  bool secure = false;                         // arrived over TLS
};

struct Response {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
};

// How a handler answers. Safe to call from any thread: the server hands the response to
// the connection's own executor. Exactly one respond() per request, unless the handler
// streams (Server-Sent Events): start_stream(), any number of write(), then end().
class Responder {
 public:
  virtual ~Responder() = default;
  virtual void respond(Response response) = 0;
  virtual void start_stream(Response head) = 0;
  // Queues a chunk of a stream; false once the client has gone away (stop writing).
  virtual bool write(std::string chunk) = 0;
  virtual void end() = 0;
  // The client disconnected or the server is stopping.
  virtual bool closed() const = 0;
};

using Handler = std::function<void(Request&& request, std::shared_ptr<Responder> responder)>;

// Splits a target into path and query. The query is percent-decoded, the path is only
// checked (the router decodes it segment by segment). false on malformed escapes, an
// encoded NUL in the path, or a path that is not absolute.
bool parse_target(const std::string& target, std::string& path, std::map<std::string, std::string>& query);

// Decodes %XX escapes ('+' stays '+'); false on a malformed escape or a NUL byte.
bool percent_decode(std::string_view in, std::string& out);

const char* status_reason(int status);

}  // namespace hpod::http
