from tests.evaluation.api_server import server

__all__ = ["server"]
