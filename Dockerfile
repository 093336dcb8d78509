# The registry: API (`registry serve`), harvest worker (`registry worker`) and command line.
# On its own it runs the embedded engines in /data; docker-compose.yml runs it on
# PostgreSQL, Elasticsearch 8 and Fuseki.
FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_DISABLE_PIP_VERSION_CHECK=1 \
    REGISTRY_DATA_DIR=/data
WORKDIR /app
COPY pyproject.toml README.md ./
COPY registry ./registry
COPY harvesters ./harvesters
COPY schemas ./schemas
COPY vocab ./vocab
RUN pip install --no-cache-dir '.[distributed]' \
    && useradd --system --uid 10001 --home-dir /data registry \
    && mkdir -p /data && chown registry /data
USER registry
VOLUME ["/data"]
EXPOSE 8000
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=5 \
    CMD ["python", "-c", "import sys, urllib.request as u; sys.exit(0 if u.urlopen('http://127.0.0.1:8000/health', timeout=4).status == 200 else 1)"]
CMD ["registry", "serve", "--host", "0.0.0.0", "--port", "8000"]
