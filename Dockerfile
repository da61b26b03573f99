# ecs-dr-mcp as a container: stdio by default, streamable HTTP with
# `serve --transport streamable-http --host 0.0.0.0` (which needs ECS_DR_HTTP_TOKEN, a bearer
# token every request must carry). No credentials are baked in: pass them at
# run time (environment variables, or the aliyun CLI's ~/.aliyun mounted read-only, with
# `--user "$(id -u):$(id -g)"` so the server can read the 0600 config.json the CLI writes).
# See references/client-setup.md.

# Both stages: python:3.12-slim pinned by digest, so a rebuild gets the same base. To move it
# on, `docker buildx imagetools inspect python:3.12-slim` prints the tag's current digest.

# Build the wheel from the repository (hatchling), so the runtime image holds no sources.
FROM python:3.12-slim@sha256:78387bc3881b8273120a12ebe6c1ab22b018ccc2c9adf565ae1ac9b536e184ea AS build
WORKDIR /src
COPY pyproject.toml README.md LICENSE ./
COPY server ./server
# The skill and the reference pages, which the wheel holds and the server serves over MCP.
COPY skill ./skill
COPY references ./references
RUN pip wheel --no-cache-dir --no-deps --wheel-dir /wheels .

FROM python:3.12-slim@sha256:78387bc3881b8273120a12ebe6c1ab22b018ccc2c9adf565ae1ac9b536e184ea
# HOME is fixed, not taken from /etc/passwd: under `--user "$(id -u):$(id -g)"` (a uid the
# image does not know) the server still looks for ~/.aliyun where the mount lands.
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    HOME=/home/ecsdr
COPY --from=build /wheels /tmp/wheels
COPY docker/healthcheck.py /usr/local/lib/ecs-dr-mcp/healthcheck.py
# The operation journal (resume_recovery, cleanup_recovery need it): mount a volume here to
# keep it across containers. Writable by any uid (sticky, as /tmp), so that `--user` works.
RUN pip install --no-cache-dir /tmp/wheels/*.whl \
    && rm -rf /tmp/wheels \
    && useradd --create-home --uid 10001 --shell /usr/sbin/nologin ecsdr \
    && chmod 0755 /home/ecsdr \
    && mkdir -p /home/ecsdr/.local/state/ecs-dr-mcp \
    && chmod 1777 /home/ecsdr/.local/state/ecs-dr-mcp
ENV ECS_DR_STATE_DIR=/home/ecsdr/.local/state/ecs-dr-mcp
USER ecsdr
WORKDIR /home/ecsdr
# Used only with --transport streamable-http.
EXPOSE 8000
# Over streamable HTTP: an MCP request to the server's port must be answered; over stdio it
# passes (see the script).
HEALTHCHECK --interval=30s --timeout=10s --start-period=10s --retries=3 \
    CMD ["python", "/usr/local/lib/ecs-dr-mcp/healthcheck.py"]
ENTRYPOINT ["ecs-dr-mcp"]
CMD ["serve"]
