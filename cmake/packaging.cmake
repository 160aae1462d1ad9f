# Installation and the Debian package (CPack DEB). scripts/package-deb.sh is the one command that
# builds the package; docs/deployment.md describes what it installs.
#
# `cmake --install` installs the binary under CMAKE_INSTALL_PREFIX (bin/ciamd). The package's
# system files (the default /etc/ciamd/ciamd.toml, the systemd unit, the documentation) have
# absolute Debian paths, so they are installed only with CIAMD_INSTALL_SYSTEM_FILES, which the
# package script turns on: a plain `cmake --install --prefix ~/opt` never writes to /etc.

option(CIAMD_INSTALL_SYSTEM_FILES
  "Install the package's /etc/ciamd, systemd unit and /usr/share/doc files" OFF)

install(TARGETS ciamd RUNTIME DESTINATION bin)

if(CIAMD_INSTALL_SYSTEM_FILES)
  install(FILES ${PROJECT_SOURCE_DIR}/packaging/ciamd.toml DESTINATION /etc/ciamd
    PERMISSIONS OWNER_READ OWNER_WRITE GROUP_READ WORLD_READ)
  # Bookworm's packages keep units in /lib/systemd/system (moving files between / and /usr is for
  # later Debian releases).
  install(FILES ${PROJECT_SOURCE_DIR}/packaging/ciamd.service DESTINATION /lib/systemd/system)
  set(doc_dir share/doc/ciamd)
  install(FILES ${PROJECT_SOURCE_DIR}/LICENSE DESTINATION ${doc_dir} RENAME copyright)
  install(FILES ${PROJECT_SOURCE_DIR}/README.md ${PROJECT_SOURCE_DIR}/NOTICE
    DESTINATION ${doc_dir})
  # README.md links to docs/..., so the documents keep that layout.
  install(DIRECTORY ${PROJECT_SOURCE_DIR}/docs/ DESTINATION ${doc_dir}/docs)
endif()

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME ciamd)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "customer identity server for WeChat and Weibo logins")
set(CPACK_PACKAGE_DESCRIPTION
  "ciamd logs the users of mobile apps and WeChat mini programs in with WeChat\n"
  "and Weibo, and answers with a session token and a signed id_token. One node\n"
  "on SQLite, or several on PostgreSQL. The package installs the server, a\n"
  "default configuration and a hardened systemd unit, which it neither enables\n"
  "nor starts.")
string(REPLACE ";" "" CPACK_PACKAGE_DESCRIPTION "${CPACK_PACKAGE_DESCRIPTION}")
set(CIAMD_PACKAGE_MAINTAINER "The ciamd authors" CACHE STRING
  "The Maintainer field of the Debian package")
set(CPACK_PACKAGE_CONTACT "${CIAMD_PACKAGE_MAINTAINER}")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_STRIP_FILES ON)
set(CPACK_RESOURCE_FILE_LICENSE ${PROJECT_SOURCE_DIR}/LICENSE)
set(CPACK_PACKAGE_DIRECTORY ${CMAKE_BINARY_DIR}/packages)

# ciamd_0.2.0-1_amd64.deb; the -1 is the packaging revision, for a rebuild of the same release.
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_RELEASE 1)
set(CPACK_DEBIAN_PACKAGE_SECTION net)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
# The shared libraries' packages (libssl3, libsqlite3-0, libpq5, libcurl4, libspdlog1.10, libfmt9,
# the Boost 1.81 runtime libraries, ...) come from dpkg-shlibdeps, run on the binary: they follow
# what it really links, at the versions it was built against. adduser is for postinst.
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_DEPENDS "adduser")
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA
  ${PROJECT_SOURCE_DIR}/packaging/conffiles
  ${PROJECT_SOURCE_DIR}/packaging/postinst
  ${PROJECT_SOURCE_DIR}/packaging/prerm
  ${PROJECT_SOURCE_DIR}/packaging/postrm)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)

include(CPack)
