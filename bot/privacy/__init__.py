"""Privacy: export files and the retention of what the network keeps about people."""

from bot.privacy.exports import purge_exports, remove_exports, write_export
from bot.privacy.retention import Retention

__all__ = ["Retention", "purge_exports", "remove_exports", "write_export"]
