#pragma once
// Test-only blocking HTTP/1.1 client (Beast) for net/ tests: one connection, explicit
// requests, raw writes for malformed input, and a receive timeout so a broken server fails
// the test instead of hanging it. Not thread-safe; one per thread.

#include <sys/socket.h>
#include <sys/time.h>

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>

namespace steadycast::net::testing {

// "127.0.0.1:1234" → 1234.
inline uint16_t PortOf(const std::string& address) {
  return static_cast<uint16_t>(std::stoi(address.substr(address.rfind(':') + 1)));
}

class TestClient {
 public:
  using Response = boost::beast::http::response<boost::beast::http::string_body>;

  explicit TestClient(uint16_t port,
                      std::chrono::milliseconds receive_timeout = std::chrono::seconds(5))
      : socket_(io_) {
    boost::system::error_code ec;
    socket_.connect({boost::asio::ip::make_address("127.0.0.1"), port}, ec);
    connected_ = !ec;
    timeval tv{};
    tv.tv_sec = static_cast<time_t>(receive_timeout.count() / 1000);
    tv.tv_usec = static_cast<suseconds_t>((receive_timeout.count() % 1000) * 1000);
    ::setsockopt(socket_.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  }

  bool connected() const { return connected_; }
  boost::asio::ip::tcp::socket& socket() { return socket_; }

  bool SendRaw(std::string_view bytes) {
    boost::system::error_code ec;
    boost::asio::write(socket_, boost::asio::buffer(bytes.data(), bytes.size()), ec);
    return !ec;
  }

  bool Send(boost::beast::http::verb method, std::string target, std::string body = "",
            std::vector<std::pair<std::string, std::string>> headers = {}) {
    boost::beast::http::request<boost::beast::http::string_body> request(method, target, 11);
    request.set(boost::beast::http::field::host, "127.0.0.1");
    for (auto& [name, value] : headers) request.set(name, value);
    request.body() = std::move(body);
    request.prepare_payload();
    boost::system::error_code ec;
    boost::beast::http::write(socket_, request, ec);
    return !ec;
  }

  // Reads one response; `head` for responses to HEAD (no body follows the header).
  std::pair<boost::system::error_code, Response> Read(bool head = false) {
    boost::beast::http::response_parser<boost::beast::http::string_body> parser;
    parser.body_limit(64 * 1024 * 1024);
    parser.skip(head);
    boost::system::error_code ec;
    boost::beast::http::read(socket_, buffer_, parser, ec);
    return {ec, parser.release()};
  }

  Response Get(std::string target) {
    Send(boost::beast::http::verb::get, std::move(target));
    return Read().second;
  }

  // True if the server closed the connection (EOF) before the receive timeout, having sent
  // nothing more.
  bool PeerClosed() {
    if (buffer_.size() > 0) return false;
    char byte;
    boost::system::error_code ec;
    const size_t n = socket_.read_some(boost::asio::buffer(&byte, 1), ec);
    return n == 0 && (ec == boost::asio::error::eof || ec == boost::asio::error::connection_reset);
  }

 private:
  boost::asio::io_context io_;
  boost::asio::ip::tcp::socket socket_;
  boost::beast::flat_buffer buffer_;
  bool connected_ = false;
};

}  // namespace steadycast::net::testing
