"""The contract's rows of searches and the catalog."""

from __future__ import annotations

from alibabacloud_ecs20140526 import models

from tests.sandbox.contract.rows import (
    Answers,
    Call,
    Refused,
    Row,
    at_once,
    lab_offers,
    page,
)
from tests.support.demo_world import (
    REGION,
)
from tests.support.sandboxes import RunningSandbox
from tests.support.sdk_calls import (
    full_image,
    run_essd_only,
)


def _image_found_by_part_of_its_name(s: RunningSandbox) -> Call:
    full_image(s.ecs, s.handle, name="prod-db-full")
    request = models.DescribeImagesRequest(
        region_id=REGION, image_owner_alias="self", image_name="DB-FU"
    )
    return lambda: [i.image_name for i in s.ecs.describe_images(request).body.images.image]


CATALOG_ROWS = (
    Row(
        "DescribeImages",
        "ImageName a part of the name in another case (fuzzy search)",
        Answers(["prod-db-full"]),
        page("DescribeImages"),
        True,
        _image_found_by_part_of_its_name,
    ),
    Row(
        "DescribeAvailableResource",
        "DataDisk for an ESSD-only type, SystemDiskCategory omitted (cloud_efficiency)",
        Answers([]),
        page("DescribeAvailableResource"),
        True,
        at_once(lambda s: lab_offers(s, "DataDisk")),
        world="lab",
    ),
    Row(
        "DescribeAvailableResource",
        "DataDisk for an ESSD-only type, SystemDiskCategory=cloud_essd",
        Answers(["cloud_auto", "cloud_efficiency", "cloud_essd"]),
        page("DescribeAvailableResource"),
        False,
        at_once(lambda s: lab_offers(s, "DataDisk", system_disk_category="cloud_essd")),
        world="lab",
    ),
    Row(
        "DescribeAvailableResource",
        "SystemDisk for an ESSD-only type",
        Answers(["cloud_auto", "cloud_essd"]),
        page("DescribeAvailableResource"),
        True,
        at_once(lambda s: lab_offers(s, "SystemDisk")),
        world="lab",
    ),
    Row(
        "RunInstances",
        "an ESSD-only type with a cloud_efficiency system disk",
        Refused("InvalidDiskCategory.NotSupported", 403),
        page("RunInstances"),
        True,
        at_once(lambda s: run_essd_only(s.ecs, "cloud_efficiency")),
        world="lab",
    ),
)
