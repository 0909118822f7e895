"""Registrations as PyLTI1p3 sees them: a ToolConf over the database, keyed by (issuer, client id).

Canvas uses one issuer for every customer, so a registration is always found by issuer *and* client id. A
deployment id not seen before under a known registration is recorded and accepted, unless strict mode is on.

A ToolConf lives for one request; registrations and known deployments come from the process's RegistrationCache
(checked against the shared version once per request) and from the database on a miss. The tool's signing key is
loaded only when something signs (deep-linking responses), never for a login or launch.
"""

from __future__ import annotations

from collections.abc import Callable

from pylti1p3.deployment import Deployment as LtiDeployment
from pylti1p3.registration import Registration
from pylti1p3.tool_config import ToolConfAbstract
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from lti_tool.lti.keys import SigningKey
from lti_tool.lti.models import Deployment, Platform
from lti_tool.lti.registration_cache import PlatformEntry, RegistrationCache


class PlatformRegistration(Registration):
    """A PyLTI1p3 Registration that remembers its database row and signs with the tool's current key (given, or
    loaded on first use by `key`)."""

    def __init__(self, platform: Platform | PlatformEntry, key: SigningKey | Callable[[], SigningKey]) -> None:
        super().__init__()
        self.platform_id = platform.id
        self._key = key
        self.set_issuer(platform.issuer).set_client_id(platform.client_id)
        self.set_auth_login_url(platform.auth_login_url).set_auth_token_url(platform.auth_token_url)
        self.set_key_set_url(platform.key_set_url)
        if platform.auth_audience:
            self.set_auth_audience(platform.auth_audience)

    def _signing_key(self) -> SigningKey:
        if callable(self._key):
            self._key = self._key()
        return self._key

    def get_tool_private_key(self) -> str:
        return self._signing_key().private_pem

    def get_kid(self) -> str:
        return self._signing_key().kid


def find_platform(session: Session, issuer: str, client_id: str | None) -> Platform | None:
    """The registration for (issuer, client id); without a client id, the issuer's only registration."""
    query = select(Platform).where(Platform.issuer == issuer)
    if client_id:
        return session.execute(query.where(Platform.client_id == client_id)).scalar_one_or_none()
    found = session.execute(query.limit(2)).scalars().all()
    return found[0] if len(found) == 1 else None


def record_deployment(session: Session, platform: Platform | PlatformEntry, deployment_id: str, *,
                      strict: bool) -> Deployment | None:
    """The deployment row; a new id is recorded (concurrent launches may race: the loser re-reads) unless strict."""
    query = select(Deployment).where(Deployment.platform_id == platform.id, Deployment.deployment_id == deployment_id)
    found = session.execute(query).scalar_one_or_none()
    if found is not None or strict:
        return found
    try:
        with session.begin_nested():
            found = Deployment(platform_id=platform.id, deployment_id=deployment_id)
            session.add(found)
    except IntegrityError:
        found = session.execute(query).scalar_one()
    session.commit()
    return found


class DatabaseToolConf(ToolConfAbstract):
    """PyLTI1p3's view of the registrations for one request: only active ones; always many client ids per issuer.
    The shared registrations version is read once per request, however often PyLTI1p3 asks."""

    def __init__(self, session: Session, signing_key: SigningKey | Callable[[], SigningKey],
                 cache: RegistrationCache, *, strict_deployments: bool) -> None:
        super().__init__()
        self._session = session
        self._key = signing_key
        self._cache = cache
        self._version = None
        self._synced = False
        self._strict = strict_deployments
        self.deployment_row_ids: dict[tuple[int, str], int] = {}
        self.issuers_relation_types = {}

    def _current_version(self):
        if not self._synced:
            self._version, self._synced = self._cache.sync(), True
        return self._version

    def platform(self, iss: str, client_id: str | None) -> PlatformEntry | None:
        """The registration for (issuer, client id): the process's cache, else the database."""
        version = self._current_version()
        cached, entry = self._cache.platform(iss, client_id)
        if not cached:
            row = find_platform(self._session, iss, client_id)
            entry = None if row is None else PlatformEntry.of(row)
            self._cache.put_platform(version, iss, client_id, entry)
        return entry

    def shared_row(self, key: tuple) -> tuple[int, tuple] | None:
        """A course or resource-link row this process wrote or read at this registrations version."""
        self._current_version()
        return self._cache.shared_row(key)

    def put_shared_row(self, key: tuple, row_id: int, values: tuple) -> None:
        self._cache.put_shared_row(self._current_version(), key, row_id, values)

    def deployment_row_id(self, platform: PlatformEntry, deployment_id: str) -> int | None:
        """The deployment's row id: the process's cache, else the database (recording a new id unless strict)."""
        version = self._current_version()
        row_id = self._cache.deployment_row_id(platform.id, deployment_id)
        if row_id is None:
            row = record_deployment(self._session, platform, deployment_id, strict=self._strict)
            if row is None:
                return None
            row_id = row.id
            self._cache.put_deployment(version, platform.id, deployment_id, row_id)
        return row_id

    def check_iss_has_one_client(self, iss: str) -> bool:
        return False

    def check_iss_has_many_clients(self, iss: str) -> bool:
        return True

    def _registration(self, iss: str, client_id: str | None) -> PlatformRegistration | None:
        platform = self.platform(iss, client_id)
        if platform is None or not platform.is_active:
            return None
        return PlatformRegistration(platform, self._key)

    def find_registration_by_issuer(self, iss: str, *args, **kwargs) -> PlatformRegistration | None:
        return self._registration(iss, None)

    def find_registration_by_params(self, iss: str, client_id: str | None, *args, **kwargs):
        return self._registration(iss, client_id)

    def find_deployment(self, iss: str, deployment_id: str) -> LtiDeployment | None:
        return self.find_deployment_by_params(iss, deployment_id, None)

    def find_deployment_by_params(self, iss: str, deployment_id: str, client_id: str | None, *args, **kwargs):
        platform = self.platform(iss, client_id)
        if platform is None or not platform.is_active:
            return None
        row_id = self.deployment_row_id(platform, deployment_id)
        if row_id is None:
            return None
        self.deployment_row_ids[(platform.id, deployment_id)] = row_id
        return LtiDeployment().set_deployment_id(deployment_id)
