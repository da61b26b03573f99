"""The ECS gateway: the only package that talks to the cloud.

Workflows call `cloud.ecs` (typed calls, and `wait_*` waiters run by `cloud.waiters`) over an
`EcsGateway`, and catch `cloud.errors.CloudError` subclasses; none of them imports the Alibaba
Cloud SDK's exception types.
"""
