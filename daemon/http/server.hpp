// The HTTP/1.1 server (Boost.Beast behind a pimpl): listener → sessions, keep-alive,
// explicit timeouts, body and header limits, a connection cap, optional TLS, streamed
// responses for Server-Sent Events, and a clean stop.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "daemon/http/http_types.hpp"
#include "hpod/status.hpp"

namespace boost::asio {
class io_context;
}

namespace hpod::http {

struct ServerOptions {
  std::string host = "127.0.0.1";
  std::uint16_t port = 8470;              // 0: any free port
  std::size_t max_body_bytes = 1 << 20;   // larger bodies get 413
  std::size_t max_header_bytes = 16 * 1024;
  std::size_t max_connections = 4096;     // beyond: 503 and close
  // A whole request (headers and body) must arrive in this time, counted from the end of
  // the previous response: it is also how long a keep-alive connection may stay idle.
  double read_timeout_s = 30;
  std::optional<std::string> tls_cert;    // PEM files; both or neither
  std::optional<std::string> tls_key;
  // Told when accepting fails for want of file descriptors (at most once a minute).
  std::function<void(const std::string&)> warn;
};

struct ServerStats {
  std::uint64_t connections_open = 0;
  std::uint64_t connections_total = 0;
  std::uint64_t connections_refused = 0;  // over max_connections
  std::uint64_t requests_total = 0;
  std::uint64_t requests_rejected = 0;    // 400/413/431 from the server itself
  std::uint64_t accept_backoffs = 0;      // accept failed (EMFILE, ENFILE, ENOBUFS): paused 100 ms
};

class Server {
 public:
  // Called on the io_context's thread for each complete request.
  Server(boost::asio::io_context& ioc, ServerOptions options, Handler handler);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Binds and starts accepting. Fails with the address and the OS's reason.
  Status start();
  // The bound port (after start), e.g. when the options asked for port 0.
  std::uint16_t port() const;
  // Stops accepting; sessions finish the request in hand (streams are ended), then close.
  void stop();
  // Requests received and not yet answered (for draining on shutdown).
  std::size_t in_flight() const;
  ServerStats stats() const;

  struct Impl;  // public so the sessions in server.cpp can name it

 private:
  std::shared_ptr<Impl> impl_;
};

}  // namespace hpod::http
