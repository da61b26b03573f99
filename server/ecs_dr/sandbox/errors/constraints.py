"""Errors of a request the account, zone or resource cannot take as asked (a value out of range,
a quota reached, resources in different zones, a malformed tag): code, HTTP status and message as
each action's API reference page lists them."""

from __future__ import annotations

from ecs_dr.sandbox.errors.base import define

DiskCategoryOperationNotSupported = define(
    "DiskCategoryOperationNotSupported",
    "DiskCategory.OperationNotSupported",
    400,
)
NumberExceedTooManyDisks = define(
    "NumberExceedTooManyDisks",
    "NumberExceed.TooManyDisks",
    403,
)
CapacityExceedTooManyDisks = define(
    "CapacityExceedTooManyDisks",
    "CapacityExceed.TooManyDisks",
    403,
)
InvalidOperationMultiAttachDisk = define(
    "InvalidOperationMultiAttachDisk",
    "InvalidOperation.MultiAttachDisk",
    403,
)
InvalidDiskIdsNotInSameZone = define(
    "InvalidDiskIdsNotInSameZone",
    "InvalidDiskIds.NotInSameZone",
    400,
    "The specified disks are not in the same availability zone.",
)
# CreateSnapshotGroup with neither InstanceId nor DiskId.N; the code is spelled so on its page.
MissingParamterInstanceId = define(
    "MissingParamterInstanceId",
    "MissingParamter.InstanceId",
    400,
    "The specified InstanceId should not be null.",
)
ExcludeDiskIdsAndDiskIdsConflict = define(
    "ExcludeDiskIdsAndDiskIdsConflict",
    "InvalidParam.ExcludeDiskIdsAndDiskIds.Conflict",
    400,
    "DiskId.N and ExcludeDiskId.N cannot be specified at the same time.",
)
InvalidInstanceNoDisk = define(
    "InvalidInstanceNoDisk",
    "InvalidInstance.NoDisk",
    403,
    "The instance has no disk to snapshot.",
)
QuotaExceedSnapshot = define(
    "QuotaExceedSnapshot",
    "QuotaExceed.Snapshot",
    403,
    "The snapshot quota exceeds.",
)
QuotaExceedConcurrentSnapshot = define(
    "QuotaExceedConcurrentSnapshot",
    "QuotaExceed.ConcurrentSnapshotQuota",
    403,
    "The number of snapshots being created has exceeded the concurrent quota.",
)
QuotaExceedImage = define(
    "QuotaExceedImage",
    "QuotaExceed.Image",
    403,
    "The Image Quota exceeds.",
)
InvalidImageNameDuplicated = define(
    "InvalidImageNameDuplicated",
    "InvalidImageName.Duplicated",
    400,
    "The specified image name already exists.",
)
InvalidDeviceMalformed = define(
    "InvalidDeviceMalformed",
    "InvalidDevice.Malformed",
    400,
)
# 403 on AttachDisk and RunInstances; 400 on CreateImage.
InvalidDeviceInUse = define(
    "InvalidDeviceInUse",
    "InvalidDevice.InUse",
    403,
)
InvalidSizeValueNotSupported = define(
    "InvalidSizeValueNotSupported",
    "InvalidSize.ValueNotSupported",
    400,
)
OperationDenied = define(
    "OperationDenied",
    "OperationDenied",
    403,
)
InvalidSystemSnapshotMissing = define(
    "InvalidSystemSnapshotMissing",
    "InvalidSystemSnapshot.Missing",
    403,
    "A system disk snapshot is required.",
)
OperationDeniedNoStock = define(
    "OperationDeniedNoStock",
    "OperationDenied.NoStock",
    403,
    "Sales of this resource are temporarily suspended in the specified region; "
    "please try again later.",
)
ZoneNotOnSale = define(
    "ZoneNotOnSale",
    "Zone.NotOnSale",
    403,
    "The specified zone is not on sale.",
)
InvalidInstanceTypeZoneNotSupported = define(
    "InvalidInstanceTypeZoneNotSupported",
    "InvalidInstanceType.ZoneNotSupported",
    403,
)
InvalidSystemDiskCategoryValueNotSupported = define(
    "InvalidSystemDiskCategoryValueNotSupported",
    "InvalidSystemDiskCategory.ValueNotSupported",
    400,
)
InvalidDataDiskCategoryValueNotSupported = define(
    "InvalidDataDiskCategoryValueNotSupported",
    "InvalidDataDiskCategory.ValueNotSupported",
    400,
)
InvalidDiskCategoryNotSupported = define(
    "InvalidDiskCategoryNotSupported",
    "InvalidDiskCategory.NotSupported",
    403,
)
InvalidDataDeviceMalformed = define(
    "InvalidDataDeviceMalformed",
    "InvalidDataDevice.Malformed",
    400,
)
InvalidParameterMismatch = define(
    "InvalidParameterMismatch",
    "InvalidParameter.Mismatch",
    400,
)
InvalidPerformanceLevelMalformed = define(
    "InvalidPerformanceLevelMalformed",
    "InvalidPerformanceLevel.Malformed",
    400,
)
# CreateDisk and RunInstances: a size outside the performance level's range.
OperationDeniedPerformanceLevelNotMatch = define(
    "OperationDeniedPerformanceLevelNotMatch",
    "OperationDenied.PerformanceLevelNotMatch",
    403,
)
InvalidDiskSizeTooSmall = define(
    "InvalidDiskSizeTooSmall",
    "InvalidDiskSize.TooSmall",
    403,
)
InvalidParamZoneIdAndInstanceIdConflict = define(
    "InvalidParamZoneIdAndInstanceIdConflict",
    "InvalidParam.ZoneIdAndInstanceId.Conflict",
    403,
    "The specified parameter 'ZoneId' and 'InstanceId' are not blank at the same time.",
)
InvalidDiskSizeTooLarge = define(
    "InvalidDiskSizeTooLarge",
    "InvalidDiskSize.TooLarge",
    400,
)
QuotaExceedElasticQuota = define(
    "QuotaExceedElasticQuota",
    "QuotaExceed.ElasticQuota",
    403,
    "No additional quota is available for the specified ECS instance type.",
)
QuotaExceedPostPaidDisk = define(
    "QuotaExceedPostPaidDisk",
    "QuotaExceed.PostPaidDisk",
    403,
    "Living postPaid disks quota exceeded.",
)
ResourcesNotInSameZone = define(
    "ResourcesNotInSameZone",
    "ResourcesNotInSameZone",
    403,
    "The specified instance and disk are not in the same zone.",
)
InstanceDiskLimitExceeded = define(
    "InstanceDiskLimitExceeded",
    "InstanceDiskLimitExceeded",
    403,
    "The number of disks attached to the instance exceeds the limit.",
)
InvalidInstanceTypeNotSupportDiskCategory = define(
    "InvalidInstanceTypeNotSupportDiskCategory",
    "InvalidInstanceType.NotSupportDiskCategory",
    403,
)
InvalidCidrBlockMalformed = define(
    "InvalidCidrBlockMalformed",
    "InvalidCidrBlock.Malformed",
    400,
)
InvalidCidrBlockOverlapped = define(
    "InvalidCidrBlockOverlapped",
    "InvalidCidrBlock.Overlapped",
    400,
)
InvalidVSwitchCidrNotInVpc = define(
    "InvalidVSwitchCidrNotInVpc",
    "InvalidCIDRBlock.Mismatch",
    400,
)
InvalidTagKeyMalformed = define(
    "InvalidTagKeyMalformed",
    "InvalidTagKey.Malformed",
    400,
    "The specified Tag.n.Key is not valid.",
)
InvalidTagValueMalformed = define(
    "InvalidTagValueMalformed",
    "InvalidTagValue.Malformed",
    400,
    "The specified Tag.n.Value is not valid.",
)
# TagResources and ListTagResources (their pages' error tables).
InvalidResourceTypeNotFound = define(
    "InvalidResourceTypeNotFound",
    "InvalidResourceType.NotFound",
    404,
    "The ResourceType provided does not exist in our records.",
)
MissingParameterResourceType = define(
    "MissingParameterResourceType",
    "MissingParameter.ResourceType",
    404,
    "The parameter - ResourceType should not be null.",
)
MissingParameterResourceIds = define(
    "MissingParameterResourceIds",
    "MissingParameter.ResourceIds",
    404,
    "The parameter - ResourceIds.N should not be null.",
)
MissingParameterTags = define(
    "MissingParameterTags",
    "MissingParameter.Tags",
    404,
    "The parameter - Tags should not be null.",
)
NumberExceedResourceIds = define(
    "NumberExceedResourceIds",
    "NumberExceed.ResourceIds",
    400,
    "The ResourceIds parameter's number is exceed , Valid : 50.",
)
OperationDeniedQuotaExceed = define(
    "OperationDeniedQuotaExceed",
    "OperationDenied.QuotaExceed",
    400,
    "The quota of tags on resource is beyond permitted range.",
)
BothEmptyTagsAndResources = define(
    "BothEmptyTagsAndResources",
    "BothEmpty.TagsAndResources",
    403,
    "The specified Tags and ResourcesIds are not allow to both empty.",
)
InvalidVSwitchNameMalformed = define(
    "InvalidVSwitchNameMalformed",
    "InvalidVSwitchName.Malformed",
    400,
    "The VSwitch name must be 1 to 128 characters and cannot start with http:// or https://.",
)
InvalidDescriptionMalformed = define(
    "InvalidDescriptionMalformed",
    "InvalidDescription.Malformed",
    400,
    "The description must be 1 to 256 characters and cannot start with http:// or https://.",
)
InvalidImageNameMalformed = define(
    "InvalidImageNameMalformed",
    "InvalidImageName.Malformed",
    400,
    "The image name must be 2 to 128 characters, start with a letter and not start with "
    "http:// or https://.",
)
# RunInstances' page lists it under 404, unusual as that is.
InvalidSystemDiskSizeLessThanImageSize = define(
    "InvalidSystemDiskSizeLessThanImageSize",
    "InvalidSystemDiskSize.LessThanImageSize",
    404,
    "The specified parameter SystemDisk.Size is less than the image size.",
)
