FROM python:3.11-slim
ENV PYTHONUNBUFFERED=1 \
    MODEL_DIR=/opt/ml/model
WORKDIR /srv/app
COPY --from=ghcr.io/astral-sh/uv:0.4.20 /uv /bin/uv
COPY pyproject.toml uv.lock ./
RUN uv sync --frozen --no-dev
COPY app/ ./app/
EXPOSE 8080
HEALTHCHECK CMD curl -f http://localhost:8080/health || exit 1
ENTRYPOINT ["/srv/app/.venv/bin/uvicorn", "app.main:app", "--host", "0.0.0.0", "--port", "8080"]
