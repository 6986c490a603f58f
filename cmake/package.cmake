# Installing (GNUInstallDirs) and the Debian package (CPack DEB).
#
#   cmake --install build [--prefix DIR]           bin/panelpaper, bin/panelpaperd,
#                                                  share/panelpaper/{fonts,proto},
#                                                  lib/systemd/system/panelpaperd.service,
#                                                  share/doc/panelpaper/{README.md,examples/}
#   cmake --build build --target package           build/panelpaper_<version>_<arch>.deb
#
# The programs find their fonts relative to themselves
# (<bin>/../share/panelpaper/fonts, renderers/text/font_set.h), so the
# package works under /usr and a tree unpacked anywhere (dpkg -x) alike.
# The programs and fonts are installed by their own folders' rules
# (service/, service/cli/, fonts/); the rest is here. ctest -R package builds
# the package, unpacks it and renders with the unpacked programs
# (tests/e2e/package_test.py).

# The .proto files: clients generate their stubs from these.
install(DIRECTORY ${PROJECT_SOURCE_DIR}/proto/ DESTINATION ${CMAKE_INSTALL_DATADIR}/panelpaper/proto
  FILES_MATCHING PATTERN "*.proto")

# The systemd unit, its paths made those of the install prefix (the file in
# service/deploy/ says /usr/local, where `cmake --install` puts things by
# default; the package installs under /usr). Done at install time, when the
# prefix is known (CPack installs with the packaging prefix).
install(CODE "
  file(READ \"${PROJECT_SOURCE_DIR}/service/deploy/panelpaperd.service\" _pp_unit)
  string(REPLACE \"/usr/local/\" \"\${CMAKE_INSTALL_PREFIX}/\" _pp_unit \"\${_pp_unit}\")
  file(WRITE \"${PROJECT_BINARY_DIR}/install/panelpaperd.service\" \"\${_pp_unit}\")
")
install(FILES ${PROJECT_BINARY_DIR}/install/panelpaperd.service DESTINATION lib/systemd/system)

# Documentation and examples: README, the example configuration (an absl
# flag file for panelpaperd --flagfile) and the Kubernetes manifest.
install(FILES ${PROJECT_SOURCE_DIR}/README.md DESTINATION ${CMAKE_INSTALL_DOCDIR})
install(FILES ${PROJECT_SOURCE_DIR}/service/deploy/panelpaperd.flags
              ${PROJECT_SOURCE_DIR}/service/deploy/kubernetes.yaml
        DESTINATION ${CMAKE_INSTALL_DOCDIR}/examples)

# The package. Runtime dependencies come from dpkg-shlibdeps (Debian's
# dpkg-dev) reading the programs' shared libraries: libgrpc++, libprotobuf,
# libabsl, libhpdf, libssl, libsqlite3, libpq, prometheus-cpp.
set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME panelpaper)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_VENDOR "panelpaper")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "structured panel-paper requests to PDF: a CLI and a gRPC server")
set(CPACK_PACKAGE_DESCRIPTION
  "panelpaper renders UK panel and committee papers (agenda papers, packs) from structured requests "
  "into PDFs with libharu; panelpaperd serves the same over gRPC and keeps an archive of signed-off "
  "papers.")
set(CPACK_PACKAGE_CONTACT "panelpaper maintainers <panelpaper@localhost>")
# Installed with DESTDIR under the prefix /usr, so that install(CODE) above
# sees CMAKE_INSTALL_PREFIX=/usr (CPack otherwise installs into a staging
# prefix); CPACK_INSTALL_PREFIX is the prefix CPack uses then.
set(CPACK_SET_DESTDIR ON)
set(CPACK_INSTALL_PREFIX /usr)
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_STRIP_FILES ON)          # the build is RelWithDebInfo: ship stripped programs
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)  # panelpaper_<version>_<arch>.deb
set(CPACK_DEBIAN_PACKAGE_SECTION misc)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_OUTPUT_FILE_PREFIX ${PROJECT_BINARY_DIR}/package)
include(CPack)
