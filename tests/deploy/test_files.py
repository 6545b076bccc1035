"""The deployment files are checked, not just written: the Dockerfile by hadolint, the Compose
file against the Compose specification's JSON Schema, the Kubernetes manifests against the
Kubernetes schemas (offline), and what ties them to the app (probe paths, grace periods,
health checks, secrets) against covet.yaml's defaults. No container runtime runs here."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import yaml

from covet.config import HealthConfig, ServerConfig

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
K8S = sorted((ROOT / "deploy" / "k8s").glob("*.yaml"))


def tool(name: str) -> str:
    found = shutil.which(name, path=str(BIN)) or shutil.which(name)
    assert found, f"{name} is a dev dependency (pip install -e '.[dev]')"
    return found


def run(*command: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=120, check=False)


def documents(path: Path) -> list[Any]:
    return [doc for doc in yaml.safe_load_all(path.read_text()) if doc]


def test_the_dockerfile_passes_hadolint() -> None:
    done = run(tool("hadolint"), "Dockerfile")
    assert done.returncode == 0, done.stdout + done.stderr


def test_the_compose_file_matches_the_compose_specification() -> None:
    done = run(tool("check-jsonschema"), "--builtin-schema", "vendor.compose-spec",
               "docker-compose.yml")
    assert done.returncode == 0, done.stdout + done.stderr


def test_the_kubernetes_manifests_match_the_kubernetes_schemas() -> None:
    assert {path.name for path in K8S} >= {
        "deployment.yaml", "service.yaml", "configmap.yaml", "secret.yaml", "hpa.yaml",
        "pdb.yaml",
    }
    done = run(tool("kubernetes-validate"), "--strict", "--quiet", *map(str, K8S))
    assert done.returncode == 0, done.stdout + done.stderr


def test_the_image_runs_covet_as_a_non_root_user_with_a_backend_health_check() -> None:
    lines = [line.strip() for line in (ROOT / "Dockerfile").read_text().splitlines()]
    assert sum(line.startswith("FROM ") for line in lines) == 2  # multi-stage
    user = next(line for line in lines if line.startswith("USER "))
    assert user.split()[1].split(":")[0] not in ("0", "root")
    healthcheck = " ".join(lines[lines.index(next(l for l in lines if l.startswith("HEALTHCHECK"))):][:2])
    assert '"covet", "check-backends"' in healthcheck
    assert 'ENTRYPOINT ["covet", "run", "-c", "specs/covet.yaml"]' in lines


def test_compose_waits_only_on_services_that_report_health() -> None:
    (compose,) = documents(ROOT / "docker-compose.yml")
    services = compose["services"]
    assert {"app", "postgres", "redis", "memcached", "prometheus"} <= services.keys()
    for name, service in services.items():
        for target, condition in service.get("depends_on", {}).items():
            if condition["condition"] == "service_healthy":
                assert "healthcheck" in services[target], (name, target)
    for secret in compose["secrets"].values():  # secrets are files, kept out of git
        path = ROOT / secret["file"]
        ignored = run("git", "check-ignore", "-q", str(path.relative_to(ROOT)))
        assert ignored.returncode == 0, f"{secret['file']} must be gitignored"
    app = services["app"]
    assert "check-backends" in " ".join(app["healthcheck"]["test"])
    assert _seconds(app["stop_grace_period"]) > ServerConfig().shutdown_timeout
    assert "jwt_secret" in app["secrets"] and "COVET_JWT_SECRET" not in app["environment"]


def test_the_probes_and_the_grace_period_fit_the_server() -> None:
    (deployment,) = documents(ROOT / "deploy" / "k8s" / "deployment.yaml")
    pod = deployment["spec"]["template"]["spec"]
    (app,) = pod["containers"]
    health = HealthConfig()
    assert app["readinessProbe"]["httpGet"]["path"] == health.ready
    assert app["livenessProbe"]["httpGet"]["path"] == health.live
    pause = int(app["lifecycle"]["preStop"]["exec"]["command"][-1])
    assert pod["terminationGracePeriodSeconds"] > ServerConfig().shutdown_timeout + pause
    assert pod["securityContext"]["runAsNonRoot"] is True
    env = {item["name"]: item.get("value") for item in app["env"]}
    assert env["COVET_JWT_SECRET_FILE"].startswith("/run/secrets/")  # a file, not a value
    assert all("valueFrom" not in item for item in app["env"])


def _seconds(text: str) -> float:
    return float(text.rstrip("s"))
