// A small blocking HTTP/1.1 client (Boost.Beast behind a pimpl) for hpoctl and the tests:
// keep-alive, http and https, JSON requests, and streamed reads for Server-Sent Events.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "hpod/status.hpp"

namespace hpod::http {

struct ClientOptions {
  std::string url;                  // "http://127.0.0.1:8470"
  std::string token;                // sent as "Authorization: Bearer <token>" when not empty
  double timeout_s = 30;
  std::optional<std::string> ca_file;  // https: trust this CA bundle (else the system's)
};

struct ClientResponse {
  int status = 0;
  std::string body;
  std::string content_type;
};

class Client {
 public:
  explicit Client(ClientOptions options);
  ~Client();
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  // One request; reconnects once if a kept-alive connection was closed by the server.
  // Unavailable when hpod cannot be reached.
  Result<ClientResponse> request(const std::string& method, const std::string& path, const std::string& body = "");
  // GET `path` and hand each received chunk of the body to `on_data` until it returns
  // false, the server ends the stream, or `should_stop` (polled ~every 200 ms) says so.
  Status stream(const std::string& path, const std::function<bool(std::string_view)>& on_data,
                const std::function<bool()>& should_stop = {}, const std::string& last_event_id = "");

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace hpod::http
