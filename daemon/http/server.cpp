// Boost.Beast lives in this file (and the client) only: listener → session as in Beast's
// advanced server example, with explicit timeouts, body/header limits and a connection
// cap. The io_context runs on one thread, which is also the thread that owns every
// study's in-memory state, so handlers run there and need no locks.
#include "daemon/http/server.hpp"

#include "daemon/saturating_duration.hpp"

#include <atomic>
#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <deque>
#include <list>
#include <mutex>

namespace hpod::http {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
namespace ssl = boost::asio::ssl;
using tcp = boost::asio::ip::tcp;

namespace {

std::chrono::steady_clock::duration secs(double s) { return saturating_seconds(s); }

std::string error_body(const char* error, const std::string& detail) {
  // Hand-written to avoid a JSON library in this TU; detail is ASCII from this file.
  return std::string("{\"error\": \"") + error + "\", \"detail\": \"" + detail + "\"}";
}

// Every answer is what its Content-Type says: a browser must never run a JSON error
// that echoes a study name, or a trial's log, as HTML or script.
template <class Message>
void no_sniffing(Message& m) {
  if (m.find("X-Content-Type-Options") == m.end()) m.set("X-Content-Type-Options", "nosniff");
}

}  // namespace

class SessionBase {
 public:
  virtual ~SessionBase() = default;
  virtual void close_for_stop() = 0;
};

struct Server::Impl : std::enable_shared_from_this<Server::Impl> {
  Impl(net::io_context& io, ServerOptions o, Handler h)
      : ioc(io), options(std::move(o)), handler(std::move(h)), acceptor(io), accept_retry(io) {}

  net::io_context& ioc;
  ServerOptions options;
  Handler handler;
  tcp::acceptor acceptor;
  std::optional<ssl::context> tls;
  std::atomic<bool> stopping{false};
  std::atomic<std::size_t> open{0}, in_flight{0};
  std::atomic<std::uint64_t> total{0}, refused{0}, requests{0}, rejected{0}, backoffs{0};
  // Accepting again after running out of descriptors waits on this timer: retrying at
  // once would spin a core while the connection stays in the backlog anyway.
  net::steady_timer accept_retry;
  std::chrono::steady_clock::time_point last_backoff_warning{};
  std::list<std::weak_ptr<SessionBase>> sessions;  // touched on the io thread only

  void do_accept();
  void on_accept(beast::error_code ec, tcp::socket socket);
  void refuse(tcp::socket socket);
  void back_off(const beast::error_code& ec);
};

namespace {

// Answers one request; the server's in-flight count drops when it is answered (or
// abandoned because the connection went away).
// Holds its connection alive until the request is answered (or, for a stream, until
// the stream ends or the client goes away).
template <class Session>
class SessionResponder final : public Responder {
 public:
  SessionResponder(std::shared_ptr<Session> s, std::shared_ptr<Server::Impl> server)
      : session_(std::move(s)), executor_(session_->executor()), server_(std::move(server)) {}
  ~SessionResponder() override { finish(); }

  void respond(Response r) override {
    if (done_.exchange(true)) return;
    finish();
    net::post(executor_, [s = std::move(session_), r = std::move(r)]() mutable { s->send_response(std::move(r)); });
  }
  void start_stream(Response head) override {
    if (done_.exchange(true)) return;
    finish();
    net::post(executor_, [s = session_, h = std::move(head)]() mutable { s->start_stream(std::move(h)); });
  }
  bool write(std::string chunk) override {
    if (!session_ || session_->is_closed()) return false;
    net::post(executor_, [s = session_, c = std::move(chunk)]() mutable { s->stream_write(std::move(c)); });
    return true;
  }
  void end() override {
    if (!session_) return;
    net::post(executor_, [s = session_] { s->stream_end(); });
  }
  bool closed() const override { return !session_ || session_->is_closed(); }

 private:
  void finish() {
    if (!counted_.exchange(true)) server_->in_flight--;
  }
  std::shared_ptr<Session> session_;
  net::any_io_executor executor_;
  std::shared_ptr<Server::Impl> server_;
  std::atomic<bool> done_{false}, counted_{false};
};

template <class Stream>
class Session final : public SessionBase, public std::enable_shared_from_this<Session<Stream>> {
 public:
  static constexpr bool kTls = !std::is_same_v<Stream, beast::tcp_stream>;

  template <class... Args>
  Session(std::shared_ptr<Server::Impl> server, Args&&... args)
      : server_(std::move(server)), stream_(std::forward<Args>(args)...) {
    server_->open++;
    beast::error_code ec;
    auto ep = beast::get_lowest_layer(stream_).socket().remote_endpoint(ec);
    if (!ec) remote_ = ep.address().to_string();
  }
  ~Session() override { server_->open--; }

  net::any_io_executor executor() { return stream_.get_executor(); }
  bool is_closed() const { return closed_.load(); }

  void run() {
    if constexpr (kTls) {
      beast::get_lowest_layer(stream_).expires_after(secs(server_->options.read_timeout_s));
      stream_.async_handshake(ssl::stream_base::server,
                              [self = this->shared_from_this()](beast::error_code ec) {
                                if (ec) return self->close();
                                self->do_read();
                              });
    } else {
      do_read();
    }
  }

  void close_for_stop() override {
    net::post(executor(), [self = this->shared_from_this()] {
      // Idle connections and streams end now; a request in hand is answered first.
      if (!self->awaiting_ || self->streaming_) {
        if (self->streaming_) self->stream_end();
        else self->close();
      }
    });
  }

  void send_response(Response r) {
    if (closed_) return;
    bool keep = keep_alive_ && !server_->stopping;
    auto res = std::make_shared<bhttp::response<bhttp::string_body>>(static_cast<bhttp::status>(r.status), 11);
    res->set(bhttp::field::server, "hpod");
    res->set(bhttp::field::content_type, r.content_type);
    res->set(bhttp::field::cache_control, "no-store");
    for (auto& [k, v] : r.headers) res->insert(k, v);
    no_sniffing(*res);
    res->body() = std::move(r.body);
    res->keep_alive(keep);
    res->prepare_payload();
    beast::get_lowest_layer(stream_).expires_after(secs(server_->options.read_timeout_s));
    bhttp::async_write(stream_, *res, [self = this->shared_from_this(), res, keep](beast::error_code ec, std::size_t) {
      self->awaiting_ = false;
      if (ec || !keep) return self->shutdown();
      self->do_read();
    });
  }

  void start_stream(Response head) {
    if (closed_) return;
    streaming_ = true;
    auto res = std::make_shared<bhttp::response<bhttp::empty_body>>(static_cast<bhttp::status>(head.status), 11);
    res->set(bhttp::field::server, "hpod");
    res->set(bhttp::field::content_type, head.content_type);
    res->set(bhttp::field::cache_control, "no-store");
    for (auto& [k, v] : head.headers) res->insert(k, v);
    no_sniffing(*res);
    // No length and no chunking: the stream ends when the connection closes.
    res->keep_alive(false);
    auto sr = std::make_shared<bhttp::response_serializer<bhttp::empty_body>>(*res);
    beast::get_lowest_layer(stream_).expires_never();
    bhttp::async_write_header(stream_, *sr, [self = this->shared_from_this(), res, sr](beast::error_code ec, std::size_t) {
      if (ec) return self->close();
      self->header_sent_ = true;
      self->flush_stream();
    });
  }

  void stream_write(std::string chunk) {
    if (closed_ || !streaming_) return;
    // A client that does not read gets cut off rather than growing our memory.
    if (pending_bytes_ > (8u << 20)) return close();
    pending_bytes_ += chunk.size();
    chunks_.push_back(std::move(chunk));
    flush_stream();
  }

  void stream_end() {
    end_requested_ = true;
    flush_stream();
  }

 private:
  void do_read() {
    if (server_->stopping || closed_) return shutdown();
    parser_.emplace();
    parser_->body_limit(server_->options.max_body_bytes);
    parser_->header_limit(static_cast<std::uint32_t>(server_->options.max_header_bytes));
    // One deadline for the whole request, headers and body: slow clients are cut off.
    beast::get_lowest_layer(stream_).expires_after(secs(server_->options.read_timeout_s));
    bhttp::async_read(stream_, buffer_, *parser_, [self = this->shared_from_this()](beast::error_code ec, std::size_t) {
      self->on_read(ec);
    });
  }

  void on_read(beast::error_code ec) {
    if (ec == bhttp::error::end_of_stream || ec == net::error::eof || ec == beast::error::timeout ||
        ec == net::error::connection_reset || ec == net::error::operation_aborted) {
      return close();
    }
    if (ec) {
      server_->rejected++;
      int status = 400;
      const char* err = "bad_request";
      std::string detail = "malformed HTTP request";
      if (ec == bhttp::error::body_limit) {
        status = 413;
        err = "too_large";
        detail = "request body larger than " + std::to_string(server_->options.max_body_bytes) + " bytes";
      } else if (ec == bhttp::error::header_limit) {
        status = 431;
        err = "headers_too_large";
        detail = "request headers larger than " + std::to_string(server_->options.max_header_bytes) + " bytes";
      }
      keep_alive_ = false;
      awaiting_ = true;
      Response r;
      r.status = status;
      r.body = error_body(err, detail);
      return send_response(std::move(r));
    }
    server_->requests++;
    auto& msg = parser_->get();
    keep_alive_ = msg.keep_alive();
    Request req;
    req.method = std::string(msg.method_string());
    req.target = std::string(msg.target());
    req.body = std::move(msg.body());
    req.authorization = std::string(msg[bhttp::field::authorization]);
    req.cookie = std::string(msg[bhttp::field::cookie]);
    req.content_type = std::string(msg[bhttp::field::content_type]);
    req.last_event_id = std::string(msg["Last-Event-ID"]);
    req.host = std::string(msg[bhttp::field::host]);
    req.origin = std::string(msg[bhttp::field::origin]);
    req.csrf = std::string(msg["X-Hpod-Csrf"]);
    req.remote_address = remote_;
    req.secure = kTls;
    if (!parse_target(req.target, req.path, req.query)) {
      keep_alive_ = false;
      awaiting_ = true;
      Response r;
      r.status = 400;
      r.body = error_body("bad_request", "malformed request target");
      return send_response(std::move(r));
    }
    awaiting_ = true;
    server_->in_flight++;
    // The response may take a while (a report waits for its commit); the deadline
    // applies to the client's reads and writes, not to our thinking.
    beast::get_lowest_layer(stream_).expires_never();
    auto responder = std::make_shared<SessionResponder<Session>>(this->shared_from_this(), server_);
    // The handler has its own barrier (the API answers what it throws with a 500); this
    // one keeps a handler without one from unwinding the io thread.
    try {
      server_->handler(std::move(req), responder);
    } catch (const std::exception& e) {
      if (server_->options.warn) server_->options.warn(std::string("request handler failed: ") + e.what());
      Response r;
      r.status = 500;
      r.body = error_body("internal", "internal error (logged)");
      responder->respond(std::move(r));
    }
  }

  void flush_stream() {
    if (closed_ || !header_sent_ || writing_) return;
    if (chunks_.empty()) {
      if (end_requested_) shutdown();
      return;
    }
    writing_ = true;
    auto data = std::make_shared<std::string>();
    while (!chunks_.empty()) {
      *data += chunks_.front();
      chunks_.pop_front();
    }
    pending_bytes_ = 0;
    beast::get_lowest_layer(stream_).expires_after(secs(server_->options.read_timeout_s));
    net::async_write(stream_, net::buffer(*data), [self = this->shared_from_this(), data](beast::error_code ec, std::size_t) {
      self->writing_ = false;
      beast::get_lowest_layer(self->stream_).expires_never();
      if (ec) return self->close();
      self->flush_stream();
    });
  }

  void shutdown() {
    if (closed_) return;
    if constexpr (kTls) {
      closed_ = true;
      beast::get_lowest_layer(stream_).expires_after(std::chrono::seconds(5));
      stream_.async_shutdown([self = this->shared_from_this()](beast::error_code) { self->close(); });
    } else {
      beast::error_code ec;
      stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
      close();
    }
  }

  void close() {
    closed_ = true;
    beast::error_code ec;
    beast::get_lowest_layer(stream_).socket().close(ec);
  }

  std::shared_ptr<Server::Impl> server_;
  Stream stream_;
  beast::flat_buffer buffer_;
  std::optional<bhttp::request_parser<bhttp::string_body>> parser_;
  std::string remote_;
  bool keep_alive_ = true;
  bool awaiting_ = false;
  bool streaming_ = false;
  bool header_sent_ = false;
  bool writing_ = false;
  bool end_requested_ = false;
  std::size_t pending_bytes_ = 0;
  std::deque<std::string> chunks_;
  std::atomic<bool> closed_{false};
};

}  // namespace

void Server::Impl::do_accept() {
  acceptor.async_accept(net::make_strand(ioc), [self = shared_from_this()](beast::error_code ec, tcp::socket socket) {
    self->on_accept(ec, std::move(socket));
  });
}

void Server::Impl::refuse(tcp::socket socket) {
  auto s = std::make_shared<tcp::socket>(std::move(socket));
  const std::string body = error_body("unavailable", "too many connections");
  auto msg = std::make_shared<std::string>(
      "HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\nX-Content-Type-Options: nosniff\r\n"
      "Connection: close\r\nContent-Length: " +
      std::to_string(body.size()) + "\r\n\r\n" + body);
  net::async_write(*s, net::buffer(*msg), [s, msg](beast::error_code, std::size_t) {
    beast::error_code ec;
    s->shutdown(tcp::socket::shutdown_both, ec);
    s->close(ec);
  });
}

void Server::Impl::back_off(const beast::error_code& ec) {
  // The connections we have keep being served; waiting clients stay in the listen
  // backlog until a descriptor is free (or their own timeout).
  backoffs++;
  auto now = std::chrono::steady_clock::now();
  if (options.warn && now - last_backoff_warning > std::chrono::minutes(1)) {
    last_backoff_warning = now;
    options.warn("cannot accept connections: " + ec.message() + " (" + std::to_string(open.load()) +
                 " open); retrying every 100 ms. Lower limits.max_connections or raise the open-file limit (ulimit -n)");
  }
  accept_retry.expires_after(std::chrono::milliseconds(100));
  accept_retry.async_wait([self = shared_from_this()](beast::error_code wait_ec) {
    if (wait_ec || self->stopping) return;
    self->do_accept();
  });
}

void Server::Impl::on_accept(beast::error_code ec, tcp::socket socket) {
  if (stopping) return;
  if (ec) {
    if (ec == net::error::operation_aborted) return;
    if (ec == net::error::no_descriptors || ec == beast::errc::too_many_files_open_in_system ||
        ec == net::error::no_buffer_space || ec == net::error::no_memory)
      return back_off(ec);
    return do_accept();  // e.g. a connection reset before we took it
  }
  total++;
  if (open.load() >= options.max_connections) {
    refused++;
    refuse(std::move(socket));
    return do_accept();
  }
  socket.set_option(tcp::no_delay(true));
  sessions.remove_if([](const std::weak_ptr<SessionBase>& w) { return w.expired(); });
  if (tls) {
    auto s = std::make_shared<Session<beast::ssl_stream<beast::tcp_stream>>>(shared_from_this(), std::move(socket), *tls);
    sessions.push_back(s);
    s->run();
  } else {
    auto s = std::make_shared<Session<beast::tcp_stream>>(shared_from_this(), std::move(socket));
    sessions.push_back(s);
    s->run();
  }
  do_accept();
}

Server::Server(net::io_context& ioc, ServerOptions options, Handler handler)
    : impl_(std::make_shared<Impl>(ioc, std::move(options), std::move(handler))) {}

Server::~Server() { stop(); }

Status Server::start() {
  auto& o = impl_->options;
  beast::error_code ec;
  auto addr = net::ip::make_address(o.host, ec);
  if (ec) return Status::InvalidArgument("listen: \"" + o.host + "\" is not an IP address");
  if (o.tls_cert || o.tls_key) {
    if (!o.tls_cert || !o.tls_key) return Status::InvalidArgument("tls: give both \"cert\" and \"key\"");
    try {
      impl_->tls.emplace(ssl::context::tls_server);
      impl_->tls->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 | ssl::context::no_sslv3 |
                              ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1);
      impl_->tls->use_certificate_chain_file(*o.tls_cert);
      impl_->tls->use_private_key_file(*o.tls_key, ssl::context::pem);
    } catch (const std::exception& e) {
      return Status::InvalidArgument(std::string("tls: cannot load certificate or key: ") + e.what());
    }
  }
  tcp::endpoint ep(addr, o.port);
  auto& acc = impl_->acceptor;
  std::string where = o.host + ":" + std::to_string(o.port);
  acc.open(ep.protocol(), ec);
  if (ec) return Status::IOError("listen " + where + ": " + ec.message());
  acc.set_option(net::socket_base::reuse_address(true), ec);
  acc.bind(ep, ec);
  if (ec) return Status::IOError("listen " + where + ": " + ec.message());
  acc.listen(net::socket_base::max_listen_connections, ec);
  if (ec) return Status::IOError("listen " + where + ": " + ec.message());
  impl_->do_accept();
  return Status::OK();
}

std::uint16_t Server::port() const {
  beast::error_code ec;
  auto ep = impl_->acceptor.local_endpoint(ec);
  return ec ? 0 : ep.port();
}

void Server::stop() {
  if (impl_->stopping.exchange(true)) return;
  net::post(impl_->ioc, [impl = impl_] {
    beast::error_code ec;
    impl->acceptor.close(ec);
    impl->accept_retry.cancel();
    for (auto& w : impl->sessions)
      if (auto s = w.lock()) s->close_for_stop();
  });
}

std::size_t Server::in_flight() const { return impl_->in_flight.load(); }

ServerStats Server::stats() const {
  return {impl_->open.load(), impl_->total.load(), impl_->refused.load(), impl_->requests.load(),
          impl_->rejected.load(), impl_->backoffs.load()};
}

}  // namespace hpod::http
