# ctalertd in a container (ECS, Kubernetes, docker run).
#
#   docker build -t ctalertd .
#   docker run --rm -e CTALERTD_QUEUE_URL=... -e CTALERTD_BUCKETS=... \
#       -e CTALERTD_TOPIC_ARN=... ctalertd
#
# Configuration: the CTALERTD_* environment variables (ctalertd.conf(5)), or
# a file mounted at /etc/ctalertd/ctalertd.conf, or both (the environment
# wins). Rules: the shipped pack in /etc/ctalertd/rules.d, which
# CTALERTD_RULES_DIR names; mount your own folder there, or point the
# variable elsewhere. Credentials: the ECS task role, IMDSv2 or the
# environment. Logs: JSON lines on standard error (for awslogs).
# Health: the metrics listener is on loopback (CTALERTD_METRICS_LISTEN;
# "*:9464" lets Prometheus scrape from outside), and HEALTHCHECK runs
# `ctalertd check --health`, which asks its /healthz (build with
# `--format docker`: OCI images carry no HEALTHCHECK).

# --- build: the whole toolchain, thrown away afterwards -----------------
FROM debian:bookworm-slim AS build
RUN apt-get update && \
    DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
        gcc libc6-dev make autoconf automake pkg-config \
        libcurl4-openssl-dev libssl-dev zlib1g-dev libyajl-dev libev-dev \
        libconfig-dev libsystemd-dev libexpat1-dev libyaml-dev libpcre2-dev libvectorscan-dev libisal-dev \
        libmicrohttpd-dev libsqlite3-dev && \
    rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY . .
RUN mkdir -p m4 && autoreconf -fi && \
    mkdir /build && cd /build && \
    /src/configure --prefix=/usr --sysconfdir=/etc --localstatedir=/var && \
    make -j"$(nproc)" && \
    make install-strip DESTDIR=/out
# Marks this stage's leftovers, so they can be pruned apart from the cache.
LABEL org.ctalertd.stage=build

# --- runtime-root: the program and exactly what it loads ----------------
# Debian's runtime libraries are installed here only to copy out the ones
# the program links (ldd's closure, the dynamic loader included), the CA
# bundle libcurl reads and the user's passwd and group lines: the image
# itself has no shell, no package manager and no libraries it never loads.
FROM debian:bookworm-slim AS runtime-root
RUN apt-get update && \
    DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
        ca-certificates libcurl4 libyajl2 libev4 libconfig9 libexpat1 libyaml-0-2 libpcre2-8-0 libvectorscan5 libsqlite3-0 libisal2 \
        libmicrohttpd12 && \
    rm -rf /var/lib/apt/lists/*
COPY --from=build /out/usr/bin/ctalertd /usr/bin/ctalertd
RUN set -e; mkdir -p /rootfs/usr/bin /rootfs/etc/ssl/certs /rootfs/tmp; \
    cp /usr/bin/ctalertd /rootfs/usr/bin/; \
    libs=$(ldd /usr/bin/ctalertd | awk '$2 == "=>" && $3 ~ /^\// { print $3 } $1 ~ /^\// { print $1 }'); \
    test -n "$libs"; \
    for l in $libs; do cp --parents -L "$l" /rootfs/; done; \
    cp -L /etc/ssl/certs/ca-certificates.crt /rootfs/etc/ssl/certs/; \
    echo 'ctalertd:x:10001:10001:ctalertd:/nonexistent:/usr/sbin/nologin' >/rootfs/etc/passwd; \
    echo 'ctalertd:x:10001:' >/rootfs/etc/group; \
    echo 'hosts: files dns' >/rootfs/etc/nsswitch.conf; \
    chmod 1777 /rootfs/tmp
LABEL org.ctalertd.stage=build

# --- runtime: nothing else -------------------------------------------------
FROM scratch
COPY --from=runtime-root /rootfs/ /
COPY --from=build /out/etc/ctalertd/rules.d/ /etc/ctalertd/rules.d/
ENV CTALERTD_RULES_DIR=/etc/ctalertd/rules.d \
    CTALERTD_METRICS_LISTEN=127.0.0.1:9464
USER 10001:10001
# Unhealthy after 3 failed checks 30 s apart; the first minute is for start.
HEALTHCHECK --interval=30s --timeout=10s --start-period=60s --retries=3 \
    CMD ["/usr/bin/ctalertd", "check", "--health"]
ENTRYPOINT ["/usr/bin/ctalertd"]
CMD ["run", "--log-target=json"]
