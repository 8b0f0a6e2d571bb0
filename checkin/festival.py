"""The festival's own two shows, as `flask seed` creates them (checkin.shows.seed_festival):
the programme a fresh installation starts with, in both languages."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import time


@dataclass(frozen=True)
class SeedShow:
    slug: str
    title_vi: str
    title_en: str
    day_offset: int
    doors: time
    starts: time
    ends: time
    ticket_quota: int
    venue_capacity: int
    programme_vi: str = ""
    programme_en: str = ""


FESTIVAL = (
    SeedShow(
        "minishow",
        "Minishow tài năng học đường",
        "School talent minishow",
        0,
        time(14, 0),
        time(14, 30),
        time(17, 30),
        2000,
        1500,
        "14:30 Khai mạc: an toàn trên mạng bắt đầu từ đâu?\n"
        "15:00 Tài năng học đường: nhảy, hát, kịch ngắn của các trường THPT Hà Nội\n"
        "16:30 Giao lưu: chuyện thật về bắt nạt trên mạng và cách tìm trợ giúp\n"
        "17:15 Trao giải và chụp ảnh chung",
        "14:30 Opening: where online safety starts\n"
        "15:00 School talent: dance, song and short plays from Hanoi high schools\n"
        "16:30 Talk: true stories of online bullying and where to find help\n"
        "17:15 Awards and group photo",
    ),
    SeedShow(
        "gala",
        'Gala âm nhạc "Không Một Mình"',
        'Music gala "Không Một Mình"',
        1,
        time(18, 30),
        time(19, 30),
        time(22, 30),
        5000,
        4000,
        "19:30 Mở màn: dàn hợp xướng thanh niên\n"
        '20:00 Các nghệ sĩ khách mời và câu chuyện "Không Một Mình"\n'
        "21:45 Đêm nhạc kết thúc với ca khúc chủ đề",
        "19:30 Opening: youth choir\n"
        '20:00 Guest artists and "Không Một Mình" stories\n'
        "21:45 Closing with the festival song",
    ),
)
