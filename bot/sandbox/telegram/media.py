"""What a simulated user sends besides text: photos and files, with an optional caption."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .chats import text_entities
from .html import utf16_len
from .spec import UploadedFile

if TYPE_CHECKING:
    from .groups import FakeGroup
    from .models import SentMessage
    from .state import World

__all__ = ["MediaSending"]


class MediaSending:
    """Photo and document sending for FakeUser (which provides _world and _deliver)."""

    _world: World

    def _deliver(
        self,
        content: dict[str, Any],
        group: FakeGroup | None,
        thread_id: int | None,
        reply_to: SentMessage | dict[str, Any] | None,
    ) -> dict[str, Any] | None:
        """Queue a message from this user (FakeUser's own method; declared here for typing)."""
        raise TypeError("MediaSending is a mixin of FakeUser")

    async def send_photo(
        self,
        caption: str | None = None,
        chat: FakeGroup | None = None,
        *,
        size: tuple[int, int] = (1280, 960),
        content: bytes = b"\xff\xd8\xff\xe0 fake jpeg",
    ) -> dict[str, Any] | None:
        """Send a photo (optionally with a caption); return the Message the bot got.

        Like Telegram, the message carries the photo in a few sizes, smallest first, each with
        its own file_id that the bot may send on with sendPhoto.
        """
        width, height = size
        sizes = []
        for longest in (90, 320, 800, max(width, height)):
            scale = min(1.0, longest / max(width, height))
            dims = (max(1, round(width * scale)), max(1, round(height * scale)))
            if sizes and (sizes[-1]["width"], sizes[-1]["height"]) == dims:
                continue
            upload = UploadedFile(f"photo_{dims[0]}x{dims[1]}.jpg", content, "image/jpeg")
            stored = self._world.add_user_file(upload, "photo", dims)
            sizes.append(
                {
                    "file_id": stored.file_id,
                    "file_unique_id": stored.file_unique_id,
                    "file_size": len(content),
                    "width": dims[0],
                    "height": dims[1],
                }
            )
        return self._deliver(self._with_caption({"photo": sizes}, caption), chat, None, None)

    async def send_document(
        self,
        filename: str = "brief.pdf",
        content: bytes = b"%PDF-1.4 fake",
        mime: str = "application/pdf",
        caption: str | None = None,
        chat: FakeGroup | None = None,
    ) -> dict[str, Any] | None:
        """Send a file (optionally with a caption); return the Message the bot got."""
        stored = self._world.add_user_file(UploadedFile(filename, content, mime), "document")
        document = {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "file_name": filename,
            "mime_type": mime,
            "file_size": len(content),
        }
        return self._deliver(self._with_caption({"document": document}, caption), chat, None, None)

    @staticmethod
    def _with_caption(content: dict[str, Any], caption: str | None) -> dict[str, Any]:
        """Add a caption and its entities; Telegram Premium allows up to 4096 characters."""
        if caption:
            if utf16_len(caption) > 4096:
                raise ValueError("Telegram does not let anyone send a caption over 4096")
            content["caption"] = caption
            entities = text_entities(caption)
            if entities:
                content["caption_entities"] = entities
        return content
