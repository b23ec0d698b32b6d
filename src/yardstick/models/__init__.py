"""The ORM tables; importing this package registers every table on `Base.metadata`."""

from yardstick.models.account import Account
from yardstick.models.api_key import ApiKey
from yardstick.models.base import Base
from yardstick.models.dataset import Dataset
from yardstick.models.dataset_item import DatasetItemVersion

__all__ = ["Account", "ApiKey", "Base", "Dataset", "DatasetItemVersion"]
