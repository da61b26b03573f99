# ecs-dr-mcp as a container: stdio by default, streamable HTTP with
# `serve --transport streamable-http --host 0.0.0.0` (which needs ECS_DR_HTTP_TOKEN, a bearer
# token every request must carry). No credentials are baked in: pass them at
# run time (environment variables, or the aliyun CLI's ~/.aliyun mounted read-only).
# See references/client-setup.md.

# Build the wheel from the repository (hatchling), so the runtime image holds no sources.
FROM python:3.12-slim AS build
WORKDIR /src
COPY pyproject.toml README.md ./
COPY server ./server
RUN pip wheel --no-cache-dir --no-deps --wheel-dir /wheels .

FROM python:3.12-slim
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1
COPY --from=build /wheels /tmp/wheels
RUN pip install --no-cache-dir /tmp/wheels/*.whl \
    && rm -rf /tmp/wheels \
    && useradd --create-home --uid 10001 --shell /usr/sbin/nologin ecsdr
USER ecsdr
WORKDIR /home/ecsdr
# The operation journal (resume_recovery, cleanup_recovery need it): mount a volume here to
# keep it across containers.
RUN mkdir -p /home/ecsdr/.local/state/ecs-dr-mcp
ENV ECS_DR_STATE_DIR=/home/ecsdr/.local/state/ecs-dr-mcp
# Used only with --transport streamable-http.
EXPOSE 8000
ENTRYPOINT ["ecs-dr-mcp"]
CMD ["serve"]
