"""node.toml's store choice and [postgresql] table (issue 19): what is refused, and that
the password comes from its file and nowhere else."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from gateway.domain.errors import InvalidInput
from gateway.node.config import load_config

BASE = """node_id = "be-gent"
federation_listen = "127.0.0.1:1"
tls_cert = "c.pem"
tls_key = "k.pem"
tls_ca = "ca.pem"
"""
DSN = "host=10.0.0.5,10.0.0.6 port=5432,5432 dbname=argos user=argos"


def _node(home: Path, extra: str) -> Path:
    home.mkdir(exist_ok=True)
    (home / "node.toml").write_text(BASE + extra)
    return home


def _password(home: Path, text: str = "s3cret-Pa55\n", mode: int = 0o600) -> None:
    path = home / "pg.password"
    path.write_text(text)
    os.chmod(path, mode)


def test_sqlite_is_the_default(tmp_path):
    config = load_config(_node(tmp_path, ""))
    assert config.store == "sqlite"
    assert config.postgresql is None


def test_postgresql_settings_give_the_password_from_its_file(tmp_path):
    home = _node(
        tmp_path,
        f'store = "postgresql"\n[postgresql]\ndsn = "{DSN}"\npassword_file = "pg.password"\n',
    )
    _password(home)
    config = load_config(home)
    settings = config.postgresql
    assert settings is not None
    assert settings.password_file == (home / "pg.password").resolve()
    assert settings.pool_size == 8
    assert "password=s3cret-Pa55" in settings.conninfo()
    assert "host=10.0.0.5,10.0.0.6" in settings.conninfo()
    assert "s3cret" not in settings.describe()
    assert settings.describe() == "host=10.0.0.5,10.0.0.6 port=5432,5432 dbname=argos"


def test_unknown_store_is_refused(tmp_path):
    with pytest.raises(InvalidInput, match="store must be one of sqlite, postgresql"):
        load_config(_node(tmp_path, 'store = "mysql"\n'))


def test_postgresql_without_its_table_is_refused(tmp_path):
    with pytest.raises(InvalidInput, match=r"needs a \[postgresql\] table"):
        load_config(_node(tmp_path, 'store = "postgresql"\n'))


def test_missing_dsn_is_refused(tmp_path):
    home = _node(tmp_path, 'store = "postgresql"\n[postgresql]\npool_size = 4\n')
    with pytest.raises(InvalidInput, match=r"postgresql\.dsn is missing"):
        load_config(home)


@pytest.mark.parametrize(
    "dsn",
    [
        f"{DSN} password=hunter2-secret",
        "postgresql://argos:hunter2-secret@10.0.0.5/argos",
    ],
)
def test_password_in_the_dsn_is_refused_without_repeating_it(tmp_path, dsn):
    home = _node(tmp_path, f'store = "postgresql"\n[postgresql]\ndsn = "{dsn}"\n')
    with pytest.raises(InvalidInput) as refused:
        load_config(home)
    assert "password_file" in str(refused.value)
    assert "hunter2" not in str(refused.value)


def test_unparsable_dsn_is_refused_without_repeating_it(tmp_path):
    home = _node(tmp_path, 'store = "postgresql"\n[postgresql]\ndsn = "host=a hunter2-secret"\n')
    with pytest.raises(InvalidInput, match="not a valid libpq connection string") as refused:
        load_config(home)
    assert "hunter2" not in str(refused.value)


def test_missing_password_file_is_named_when_connecting(tmp_path):
    home = _node(
        tmp_path,
        f'store = "postgresql"\n[postgresql]\ndsn = "{DSN}"\npassword_file = "pg.password"\n',
    )
    settings = load_config(home).postgresql
    assert settings is not None
    with pytest.raises(InvalidInput, match=r"pg\.password does not exist"):
        settings.conninfo()


def test_password_file_readable_by_others_is_refused(tmp_path):
    home = _node(
        tmp_path,
        f'store = "postgresql"\n[postgresql]\ndsn = "{DSN}"\npassword_file = "pg.password"\n',
    )
    _password(home, mode=0o644)
    settings = load_config(home).postgresql
    assert settings is not None
    with pytest.raises(InvalidInput, match="readable by others") as refused:
        settings.conninfo()
    assert "s3cret" not in str(refused.value)


def test_empty_password_file_is_refused(tmp_path):
    home = _node(
        tmp_path,
        f'store = "postgresql"\n[postgresql]\ndsn = "{DSN}"\npassword_file = "pg.password"\n',
    )
    _password(home, text="")
    settings = load_config(home).postgresql
    assert settings is not None
    with pytest.raises(InvalidInput, match="is empty"):
        settings.conninfo()


def test_pool_size_below_one_is_refused(tmp_path):
    home = _node(tmp_path, f'store = "postgresql"\n[postgresql]\ndsn = "{DSN}"\npool_size = 0\n')
    with pytest.raises(InvalidInput, match="pool_size must be at least 1"):
        load_config(home)
