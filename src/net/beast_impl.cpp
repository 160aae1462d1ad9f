// The one translation unit that compiles Asio's SSL support and Beast. Every other file sees them
// as header declarations only (BOOST_ASIO_SEPARATE_COMPILATION and BOOST_BEAST_SEPARATE_COMPILATION
// come from the ciamd_boost target). Asio itself is compiled in exec/asio_impl.cpp.
#include <boost/asio/ssl/impl/src.hpp>
#include <boost/beast/src.hpp>
