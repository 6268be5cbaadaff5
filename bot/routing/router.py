"""The routing the bot uses: the department model trained on the live FAQ knowledge base, rebuilt
when the FAQ index is (a new KB revision means new training text), plus the FAQ neighbours."""

from __future__ import annotations

import logging
import threading
from typing import Any

from bot.config import WorkspaceConfig
from bot.routing import RouteDecision, faq_neighbours, route
from bot.routing.model import DepartmentModel, training_examples

log = logging.getLogger(__name__)


class Router:
    def __init__(self, config: WorkspaceConfig, faq: Any = None):
        self._config = config
        self._faq = faq
        self._lock = threading.Lock()
        self._model: DepartmentModel | None = None
        self._trained_on: object = None

    def route(self, text: str) -> RouteDecision:
        return route(text, self._config, faq_neighbours(self._faq, text), self.model())

    def model(self) -> DepartmentModel | None:
        engine = self._faq_engine()
        with self._lock:
            if self._model is None or engine is not self._trained_on:
                docs = engine.docs if engine is not None else ()
                try:
                    self._model = DepartmentModel.train(training_examples(self._config, docs))
                    self._trained_on = engine
                except Exception:  # a model failure costs a routing signal, never the ticket
                    log.exception("routing model training failed; routing by keywords and FAQ")
            return self._model

    def _faq_engine(self) -> Any:
        engine = getattr(self._faq, "engine", None)
        if engine is None:
            return None
        try:
            return engine()
        except Exception:
            log.exception("FAQ index unavailable for routing")
            return None

