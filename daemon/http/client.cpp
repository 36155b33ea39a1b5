#include "daemon/http/client.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <poll.h>

#include <variant>

namespace hpod::http {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
namespace ssl = boost::asio::ssl;
using tcp = boost::asio::ip::tcp;

struct Client::Impl {
  ClientOptions o;
  bool https = false;
  std::string host, port, prefix;
  net::io_context ioc;
  std::optional<ssl::context> tls;
  std::unique_ptr<beast::tcp_stream> plain;
  std::unique_ptr<beast::ssl_stream<beast::tcp_stream>> secure;
  beast::flat_buffer buffer;

  Status parse_url() {
    std::string u = o.url;
    if (u.rfind("http://", 0) == 0) u = u.substr(7);
    else if (u.rfind("https://", 0) == 0) {
      https = true;
      u = u.substr(8);
    } else {
      return Status::InvalidArgument("URL must start with http:// or https://: " + o.url);
    }
    auto slash = u.find('/');
    std::string hostport = u.substr(0, slash);
    prefix = slash == std::string::npos ? "" : u.substr(slash);
    while (!prefix.empty() && prefix.back() == '/') prefix.pop_back();
    if (!hostport.empty() && hostport[0] == '[') {
      auto close = hostport.find(']');
      host = hostport.substr(1, close - 1);
      port = close + 1 < hostport.size() && hostport[close + 1] == ':' ? hostport.substr(close + 2) : "";
    } else {
      auto colon = hostport.rfind(':');
      host = hostport.substr(0, colon);
      port = colon == std::string::npos ? "" : hostport.substr(colon + 1);
    }
    if (port.empty()) port = https ? "443" : "80";
    if (host.empty()) return Status::InvalidArgument("no host in URL " + o.url);
    return Status::OK();
  }

  beast::tcp_stream& lowest() { return https ? beast::get_lowest_layer(*secure) : *plain; }
  bool connected() { return (https ? secure != nullptr : plain != nullptr) && lowest().socket().is_open(); }

  Status connect() {
    close();
    beast::error_code ec;
    tcp::resolver resolver(ioc);
    auto results = resolver.resolve(host, port, ec);
    if (ec) return Status::Unavailable("cannot resolve " + host + ": " + ec.message());
    auto timeout = std::chrono::milliseconds(static_cast<long>(o.timeout_s * 1000));
    if (https) {
      if (!tls) {
        tls.emplace(ssl::context::tls_client);
        if (o.ca_file) tls->load_verify_file(*o.ca_file, ec);
        else tls->set_default_verify_paths(ec);
        if (ec) return Status::InvalidArgument("TLS: cannot load CA certificates: " + ec.message());
        tls->set_verify_mode(ssl::verify_peer);
      }
      secure = std::make_unique<beast::ssl_stream<beast::tcp_stream>>(ioc, *tls);
      SSL_set_tlsext_host_name(secure->native_handle(), host.c_str());
      beast::get_lowest_layer(*secure).expires_after(timeout);
      beast::get_lowest_layer(*secure).connect(results, ec);
      if (ec) return Status::Unavailable("cannot connect to " + o.url + ": " + ec.message());
      secure->handshake(ssl::stream_base::client, ec);
      if (ec) return Status::Unavailable("TLS handshake with " + o.url + " failed: " + ec.message());
    } else {
      plain = std::make_unique<beast::tcp_stream>(ioc);
      plain->expires_after(timeout);
      plain->connect(results, ec);
      if (ec) return Status::Unavailable("cannot connect to " + o.url + ": " + ec.message());
    }
    return Status::OK();
  }

  void close() {
    beast::error_code ec;
    if (plain) plain->socket().close(ec);
    if (secure) beast::get_lowest_layer(*secure).socket().close(ec);
    plain.reset();
    secure.reset();
    buffer.clear();
  }

  bhttp::request<bhttp::string_body> make(const std::string& method, const std::string& path, const std::string& body) {
    bhttp::request<bhttp::string_body> req{bhttp::string_to_verb(method), prefix + path, 11};
    req.set(bhttp::field::host, host);
    req.set(bhttp::field::user_agent, "hpoctl");
    if (!o.token.empty()) req.set(bhttp::field::authorization, "Bearer " + o.token);
    if (!body.empty() || method == "POST") {
      req.set(bhttp::field::content_type, "application/json");
      req.body() = body;
    }
    req.keep_alive(true);
    req.prepare_payload();
    return req;
  }

  template <class F>
  auto with_stream(F&& f) {
    if (https) return f(*secure);
    return f(*plain);
  }
};

Client::Client(ClientOptions options) : impl_(std::make_unique<Impl>()) { impl_->o = std::move(options); }
Client::~Client() = default;

Result<ClientResponse> Client::request(const std::string& method, const std::string& path, const std::string& body) {
  auto& m = *impl_;
  if (m.host.empty()) HPOD_RETURN_IF_ERROR(m.parse_url());
  auto timeout = std::chrono::milliseconds(static_cast<long>(m.o.timeout_s * 1000));
  for (int attempt = 0; attempt < 2; ++attempt) {
    bool reused = m.connected();
    if (!reused) HPOD_RETURN_IF_ERROR(m.connect());
    auto req = m.make(method, path, body);
    bhttp::response_parser<bhttp::string_body> parser;
    parser.body_limit(1ull << 31);
    beast::error_code ec;
    m.lowest().expires_after(timeout);
    m.with_stream([&](auto& s) {
      bhttp::write(s, req, ec);
      if (!ec) bhttp::read(s, m.buffer, parser, ec);
      return 0;
    });
    if (ec) {
      m.close();
      if (reused) continue;  // the server closed an idle keep-alive connection
      return Status::Unavailable(method + " " + path + ": " + ec.message());
    }
    auto& res = parser.get();
    ClientResponse out{static_cast<int>(res.result_int()), std::move(res.body()), std::string(res[bhttp::field::content_type])};
    if (!res.keep_alive()) m.close();
    return out;
  }
  return Status::Unavailable(method + " " + path + ": connection lost");
}

Status Client::stream(const std::string& path, const std::function<bool(std::string_view)>& on_data,
                      const std::function<bool()>& should_stop, const std::string& last_event_id) {
  auto& m = *impl_;
  if (m.host.empty()) HPOD_RETURN_IF_ERROR(m.parse_url());
  HPOD_RETURN_IF_ERROR(m.connect());
  auto req = m.make("GET", path, "");
  req.set(bhttp::field::accept, "text/event-stream");
  if (!last_event_id.empty()) req.set("Last-Event-ID", last_event_id);
  beast::error_code ec;
  m.lowest().expires_after(std::chrono::milliseconds(static_cast<long>(m.o.timeout_s * 1000)));
  bhttp::response_parser<bhttp::buffer_body> parser;
  parser.body_limit(boost::none);
  m.with_stream([&](auto& s) {
    bhttp::write(s, req, ec);
    if (!ec) bhttp::read_header(s, m.buffer, parser, ec);
    return 0;
  });
  if (ec) {
    m.close();
    return Status::Unavailable("GET " + path + ": " + ec.message());
  }
  int status = static_cast<int>(parser.get().result_int());
  char buf[16384];
  std::string error_body;
  while (!parser.is_done()) {
    // Wait for bytes in slices of 200 ms so that should_stop is looked at regularly (a
    // Beast deadline would close the stream instead).
    if (m.buffer.size() == 0 && !(m.https && SSL_pending(m.secure->native_handle()) > 0)) {
      pollfd p{m.lowest().socket().native_handle(), POLLIN, 0};
      int r = ::poll(&p, 1, 200);
      if (r == 0) {
        if (should_stop && should_stop()) break;
        continue;
      }
    }
    parser.get().body().data = buf;
    parser.get().body().size = sizeof buf;
    m.lowest().expires_after(std::chrono::seconds(120));
    m.with_stream([&](auto& s) {
      bhttp::read_some(s, m.buffer, parser, ec);
      return 0;
    });
    if (ec == bhttp::error::need_buffer) ec = {};
    std::size_t got = sizeof buf - parser.get().body().size;
    if (got > 0) {
      if (status != 200) error_body.append(buf, got);
      else if (!on_data(std::string_view(buf, got))) break;
    }
    if (ec) break;
    if (should_stop && should_stop()) break;
  }
  m.close();
  if (status != 200) return Status(status == 404 ? Status::Code::kNotFound : Status::Code::kUnavailable,
                                   "GET " + path + ": HTTP " + std::to_string(status) + " " + error_body);
  return Status::OK();
}

}  // namespace hpod::http
