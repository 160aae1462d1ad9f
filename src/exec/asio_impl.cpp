// The one translation unit that compiles Asio. Every other file sees it as header declarations
// only (BOOST_ASIO_SEPARATE_COMPILATION comes from the ciamd_boost target), which keeps the build
// fast. Asio's SSL support and Beast are compiled once in net/beast_impl.cpp.
#include <boost/asio/impl/src.hpp>
