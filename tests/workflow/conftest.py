from __future__ import annotations

import pytest

from tests.desk import Desk

COMPLAINT_SUBJECT = "盐湖区政府招商引资承诺不兑现"
COMPLAINT_BODY = (
    "尊敬的信用办：\n我是盐湖区解州镇居民王堃，盐湖区人民政府2025年招商引资时承诺给入驻企业的"
    "设备补贴至今没有兑现，多次反映无人答复。请督促盐湖区人民政府履行承诺。\n"
    "联系电话：13835900001\n王堃\n"
)


@pytest.fixture
def desk(make_settings, make_service, clock, tmp_path, database_url) -> Desk:
    service = make_service(make_settings(database={"url": database_url}))
    return Desk(service, clock, tmp_path)


@pytest.fixture
def sqlite_desk(make_settings, make_service, clock, tmp_path) -> Desk:
    return Desk(make_service(make_settings()), clock, tmp_path)
