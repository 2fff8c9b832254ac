# Build: the same two steps as on a fresh machine (no system libraries needed).
FROM rust:1-bookworm AS build
WORKDIR /src
COPY . .
RUN cargo build --release --locked

FROM debian:bookworm-slim
RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --home /data --create-home kinderen
COPY --from=build /src/target/release/kinderen-eerst /usr/local/bin/kinderen-eerst
USER kinderen
WORKDIR /data
ENV BIND=0.0.0.0:8080
EXPOSE 8080
ENTRYPOINT ["kinderen-eerst"]
CMD ["serve"]
