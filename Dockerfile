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

# --- build: the whole toolchain, thrown away afterwards -----------------
FROM debian:bookworm-slim AS build
RUN apt-get update && \
    DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
        gcc libc6-dev make autoconf automake pkg-config \
        libcurl4-openssl-dev libssl-dev zlib1g-dev libyajl-dev libev-dev \
        libconfig-dev libsystemd-dev libexpat1-dev libyaml-dev libpcre2-dev libisal-dev libmicrohttpd-dev && \
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

# --- runtime: the program, its libraries, the rule pack -----------------
FROM debian:bookworm-slim
RUN apt-get update && \
    DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
        ca-certificates libcurl4 libyajl2 libev4 libconfig9 libexpat1 libyaml-0-2 libpcre2-8-0 libisal2 \
        libmicrohttpd12 && \
    rm -rf /var/lib/apt/lists/* /var/cache/apt/*.bin /var/log/apt /var/log/dpkg.log && \
    groupadd --system --gid 10001 ctalertd && \
    useradd --system --uid 10001 --gid 10001 --no-create-home \
        --home-dir /nonexistent --shell /usr/sbin/nologin ctalertd
COPY --from=build /out/usr/bin/ctalertd /usr/bin/ctalertd
COPY --from=build /out/etc/ctalertd/rules.d/ /etc/ctalertd/rules.d/
ENV CTALERTD_RULES_DIR=/etc/ctalertd/rules.d
USER 10001:10001
ENTRYPOINT ["/usr/bin/ctalertd"]
CMD ["run", "--log-target=json"]
