// The compiled implementation of Boost.Asio (incl. SSL) and Boost.Beast for the whole program.
// sc_net defines BOOST_ASIO_SEPARATE_COMPILATION / BOOST_BEAST_SEPARATE_COMPILATION publicly,
// so every other translation unit that includes Asio only sees declarations: this keeps
// compile times down and gives one definition of each Asio service in the binary.

#include <boost/asio/impl/src.hpp>
#include <boost/asio/ssl/impl/src.hpp>
#include <boost/beast/src.hpp>
