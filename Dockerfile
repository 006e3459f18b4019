# Multi-stage: build a wheel with the compilers, run it in a slim image as a non-root user.
FROM python:3.11-slim-bookworm AS build
RUN apt-get update && apt-get install -y --no-install-recommends gcc libpcsclite-dev \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY pyproject.toml README.md ./
COPY src ./src
COPY card_reader ./card_reader
RUN pip wheel --no-cache-dir --wheel-dir /wheels ".[card]"

FROM python:3.11-slim-bookworm
RUN apt-get update && apt-get install -y --no-install-recommends libpcsclite1 \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --uid 10001 --home /app redangel
COPY --from=build /wheels /wheels
RUN pip install --no-cache-dir /wheels/*.whl && rm -rf /wheels
WORKDIR /app
COPY alembic.ini ./
COPY migrations ./migrations
COPY life_events ./life_events
USER redangel
ENV REDANGEL_ENVIRONMENT=production \
    REDANGEL_PROJECT_DIR=/app \
    REDANGEL_DATA_DIR=/app/data
EXPOSE 8000
# Migrations are a separate step: `docker run IMAGE redangel db upgrade`.
CMD ["uvicorn", "redangel.main:create_app", "--factory", "--host", "0.0.0.0", "--port", "8000", "--proxy-headers"]
