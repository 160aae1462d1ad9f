# syntax=docker/dockerfile:1
# ciamd's container image. Two stages: the server is built on debian:12 with the build packages of
# scripts/install-deps.sh, and runs on debian:12-slim with only its runtime libraries, as a non-root
# user. Not built by the test command (it needs a Docker engine); docs/deployment.md shows how to
# build and run it:
#
#   docker build -t ciamd:$(cat VERSION) --build-arg CIAMD_GIT_COMMIT=$(git rev-parse --short=12 HEAD) .

FROM debian:12 AS build
# The subset of scripts/install-deps.sh that builds the server: no tests, benchmarks, PostgreSQL
# server or Node.js. Boost 1.81 replaces Debian's default 1.74 headers, as there.
RUN apt-get update \
 && apt-get install -y --no-install-recommends \
      build-essential cmake pkg-config ca-certificates \
      libboost1.81-dev libboost-json1.81-dev libboost-url1.81-dev \
      libssl-dev libsqlite3-dev libpq-dev libcurl4-openssl-dev \
      libtomlplusplus-dev libcli11-dev libspdlog-dev libfmt-dev \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY . .
# .dockerignore leaves .git out, so the commit `ciamd --version` reports comes from here.
ARG CIAMD_GIT_COMMIT=""
RUN cmake -S . -B /build -DCMAKE_BUILD_TYPE=Release -DCIAMD_BUILD_TESTS=OFF \
      -DCIAMD_BUILD_BENCH=OFF -DCIAMD_GIT_COMMIT="${CIAMD_GIT_COMMIT}" \
 && cmake --build /build -j"$(nproc)" --target ciamd \
 && strip /build/bin/ciamd

FROM debian:12-slim
# The shared libraries the binary links (the Debian package's Depends line, computed by
# dpkg-shlibdeps); curl for the HEALTHCHECK; ca-certificates to verify WeChat and Weibo.
RUN apt-get update \
 && apt-get install -y --no-install-recommends \
      libssl3 libsqlite3-0 libpq5 libcurl4 libspdlog1.10 libfmt9 libtomlplusplus3 \
      libboost-json1.81.0 libboost-url1.81.0 \
      ca-certificates curl \
 && rm -rf /var/lib/apt/lists/*
RUN groupadd --system ciamd \
 && useradd --system --gid ciamd --home-dir /var/lib/ciamd --shell /usr/sbin/nologin ciamd \
 && install -d -o ciamd -g ciamd -m 0750 /var/lib/ciamd \
 && install -d -o root -g ciamd -m 0750 /etc/ciamd
COPY --from=build /build/bin/ciamd /usr/bin/ciamd
# The package's default configuration; in a container both listeners bind every interface (publish
# only 8080 to the world), and the master key comes from a secret mounted at
# /etc/ciamd/master.key or from CIAMD_SECURITY_MASTER_KEY.
COPY --chown=root:ciamd --chmod=0640 packaging/ciamd.toml /etc/ciamd/ciamd.toml
COPY LICENSE NOTICE /usr/share/doc/ciamd/
ENV CIAMD_SERVER_LISTEN=0.0.0.0:8080 \
    CIAMD_ADMIN_LISTEN=0.0.0.0:8081

USER ciamd
WORKDIR /var/lib/ciamd
# The SQLite database. With PostgreSQL (CIAMD_DATABASE_URL) nothing is written here.
VOLUME ["/var/lib/ciamd"]
# 8080: the SDK API. 8081: admin API, health and metrics, for the operators' network only.
EXPOSE 8080 8081
HEALTHCHECK --interval=30s --timeout=5s --start-period=10s --retries=3 \
  CMD curl -fsS --max-time 4 http://127.0.0.1:8081/health/live || exit 1
# SIGTERM drains (docs/operations.md "Stopping"); give `docker stop` more than drain_timeout_ms.
STOPSIGNAL SIGTERM
ENTRYPOINT ["/usr/bin/ciamd", "--config", "/etc/ciamd/ciamd.toml"]
CMD ["serve"]
