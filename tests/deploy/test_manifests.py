"""Offline checks of the deployment files: deploy/Dockerfile, deploy/compose.yaml, deploy/k8s/.

Nothing here needs Docker, a cluster or the network. The Kubernetes documents are validated against
the schemas bundled with kubernetes-validate; the rest of the contract (probes, non-root, secrets
only by reference, one Deployment/Service per process, the migration Job, compose ordering, the
image's command) is checked by the `*_problems` functions below. Each of those returns a list of
findings, so the tests can also prove on deliberately broken copies that the checks do fire.
"""

import copy
import fnmatch
import json
import re
import shlex
from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest
import yaml
from kubernetes_validate.utils import SchemaNotFoundError, all_versions

REPO = Path(__file__).resolve().parents[2]
DEPLOY = REPO / "deploy"
K8S = DEPLOY / "k8s"
DOCKERFILE = DEPLOY / "Dockerfile"
DOCKERIGNORE = REPO / ".dockerignore"  # the build context is the repository root
COMPOSE = DEPLOY / "compose.yaml"

PROCESSES = {"gateway": 8000, "registry": 8001, "monitoring": 8002, "payments": 8003, "assets": 8004}
DATABASE_URL_VARS = [f"{name.upper()}_DATABASE_URL" for name in PROCESSES]
MANAGE = ["python", "-m", "deploy.manage"]
NAMESPACE = "hangjin"
CONFIGMAP = "hangjin-config"
GATEWAY_URL = "http://gateway:8000"  # where every process gets its own client-credentials token
# The services' API-client secrets are derived from this one value (shared/service_auth.py).
SERVICE_CLIENTS = ("hangjin-service-clients", "SERVICE_CLIENTS_SECRET")
# The registry alone holds the ID-number keys (shared/crypto.py).
REGISTRY_SECRETS = {"ID_ENCRYPTION_KEYS": "hangjin-registry", "ID_LOOKUP_KEY": "hangjin-registry"}
# Payments alone seals the account numbers of queued bank instructions, with its own key.
PAYMENTS_SECRETS = {"INSTRUCTION_ENCRYPTION_KEYS": "hangjin-payments"}

# The newest Kubernetes version whose schemas kubernetes-validate 1.37 ships (strict variants too).
K8S_VERSION = "1.37.0"

# An environment variable whose name contains one of these carries a secret and must come from a
# Secret. The exception is `*_FILE`: a path, which must then point into a mounted Secret volume.
SECRET_NAME = re.compile(r"PASSWORD|SECRET|KEY|TOKEN|CREDENTIAL|DATABASE_URL")
# Values that are secrets whatever the variable is called: a PEM block or a URL with a password.
SECRET_VALUE = re.compile(r"-----BEGIN|://[^/\s@:]+:[^/\s@]+@")


# --------------------------------------------------------------------------------------------------
# Loading


def k8s_files() -> list[Path]:
    """The manifest files; kustomization.yaml is kustomize's, not an API object."""
    return sorted(p for p in K8S.glob("*.yaml") if p.name != "kustomization.yaml")


def load_docs(path: Path) -> list[dict]:
    return [doc for doc in yaml.safe_load_all(path.read_text(encoding="utf-8")) if doc]


@pytest.fixture(scope="module")
def docs() -> list[dict]:
    return [doc for path in k8s_files() for doc in load_docs(path)]


def of_kind(docs: list[dict], kind: str) -> dict[str, dict]:
    return {d["metadata"]["name"]: d for d in docs if d.get("kind") == kind}


def pod_spec(workload: dict) -> dict:
    return workload["spec"]["template"]["spec"]


def describe(doc: dict) -> str:
    return f"{doc.get('kind')}/{doc.get('metadata', {}).get('name')}"


def all_containers(workload: dict) -> list[dict]:
    pod = pod_spec(workload)
    return pod.get("initContainers", []) + pod.get("containers", [])


def secret_refs(container: dict) -> dict[str, tuple[str, str]]:
    """env name -> (Secret, key) for every variable taken from a secretKeyRef."""
    return {
        e["name"]: (e["valueFrom"]["secretKeyRef"]["name"], e["valueFrom"]["secretKeyRef"]["key"])
        for e in container.get("env", [])
        if "secretKeyRef" in e.get("valueFrom", {})
    }


# --------------------------------------------------------------------------------------------------
# Kubernetes checks


def resolve_port(container: dict, port: Any) -> int | None:
    """A probe's or Service's port, by number or by the container port's name."""
    if isinstance(port, int):
        return port
    for p in container.get("ports", []):
        if p.get("name") == port:
            return p["containerPort"]
    return None


def env_problems(where: str, pod: dict, container: dict, configmaps: dict[str, dict]) -> list[str]:
    """Secrets only through secretKeyRef or files in Secret volumes; nothing secret inline."""
    problems = []
    secret_volumes = {v["name"]: v["secret"] for v in pod.get("volumes", []) if "secret" in v}
    # Every file path a Secret volume puts in this container: its projected items or, without
    # items, anything under the mount.
    secret_files = []
    for mount in container.get("volumeMounts", []):
        if mount["name"] in secret_volumes:
            base = mount["mountPath"].rstrip("/") + "/"
            items = secret_volumes[mount["name"]].get("items")
            secret_files += [base + i["path"] for i in items] if items else [base]
    for entry in container.get("env", []):
        name = entry["name"]
        value = entry.get("value")
        if value is not None and SECRET_VALUE.search(str(value)):
            problems.append(f"{where}: env {name} has a secret inline")
        if not SECRET_NAME.search(name):
            continue
        if name.endswith("_FILE"):
            if value is None or not any(
                str(value) == f or (f.endswith("/") and str(value).startswith(f)) for f in secret_files
            ):
                problems.append(f"{where}: env {name} must be a path inside a mounted Secret volume")
        elif "secretKeyRef" not in entry.get("valueFrom", {}):
            problems.append(f"{where}: env {name} must come from a secretKeyRef")
    for source in container.get("envFrom", []):
        if "configMapRef" in source:
            name = source["configMapRef"]["name"]
            if name not in configmaps:
                problems.append(f"{where}: envFrom ConfigMap {name} is not defined in deploy/k8s")
        elif "secretRef" not in source:
            problems.append(f"{where}: unexpected envFrom source {source}")
    return problems


def security_problems(where: str, pod: dict, container: dict) -> list[str]:
    """Non-root, whether set on the pod or the container (the container's setting wins)."""
    pod_ctx = pod.get("securityContext", {})
    ctx = container.get("securityContext", {})
    problems = []
    if ctx.get("runAsNonRoot", pod_ctx.get("runAsNonRoot")) is not True:
        problems.append(f"{where}: runAsNonRoot is not true")
    if ctx.get("runAsUser", pod_ctx.get("runAsUser")) == 0:
        problems.append(f"{where}: runAsUser is 0")
    if ctx.get("allowPrivilegeEscalation") is not False:
        problems.append(f"{where}: allowPrivilegeEscalation is not false")
    return problems


def resource_problems(where: str, container: dict) -> list[str]:
    resources = container.get("resources", {})
    return [
        f"{where}: no resources.{bound}.{what}"
        for bound in ("requests", "limits")
        for what in ("cpu", "memory")
        if what not in resources.get(bound, {})
    ]


def workload_problems(workload: dict, configmaps: dict[str, dict]) -> list[str]:
    """What every pod template (Deployment or Job) must satisfy."""
    pod = pod_spec(workload)
    problems = []
    for container in pod.get("containers", []) + pod.get("initContainers", []):
        where = f"{describe(workload)} container {container['name']}"
        problems += env_problems(where, pod, container, configmaps)
        problems += security_problems(where, pod, container)
        problems += resource_problems(where, container)
    return problems


def deployment_problems(deployment: dict, configmaps: dict[str, dict]) -> list[str]:
    problems = workload_problems(deployment, configmaps)
    containers = pod_spec(deployment).get("containers", [])
    if len(containers) != 1:
        return [*problems, f"{describe(deployment)}: expected one container, found {len(containers)}"]
    container = containers[0]
    where = describe(deployment)
    ports = [p["containerPort"] for p in container.get("ports", [])]
    if len(ports) != 1:
        return [*problems, f"{where}: expected one container port, found {ports}"]
    env = {e["name"]: e.get("value") for e in container.get("env", [])}
    if env.get("PORT") != str(ports[0]):
        problems.append(f"{where}: PORT env {env.get('PORT')!r} is not the container port {ports[0]}")
    for probe, path in (("readinessProbe", "/readyz"), ("livenessProbe", "/healthz")):
        http = container.get(probe, {}).get("httpGet")
        if http is None:
            problems.append(f"{where}: no {probe} httpGet")
            continue
        if http.get("path") != path:
            problems.append(f"{where}: {probe} checks {http.get('path')!r}, not {path}")
        if resolve_port(container, http.get("port")) != ports[0]:
            problems.append(f"{where}: {probe} port {http.get('port')!r} is not the container port")
    problems += settings_problems(where, deployment["metadata"]["name"], container, configmaps)
    labels = deployment["spec"]["template"]["metadata"].get("labels", {})
    selector = deployment["spec"]["selector"].get("matchLabels", {})
    if not selector or selector.items() - labels.items():
        problems.append(f"{where}: selector {selector} does not match the pod labels {labels}")
    return problems


def settings_problems(where: str, process: str, container: dict, configmaps: dict[str, dict]) -> list[str]:
    """GATEWAY_URL from the ConfigMap, SERVICE_CLIENTS_SECRET everywhere, ID keys in the registry only."""
    problems = []
    from_configmaps = [
        configmaps.get(s["configMapRef"]["name"], {}).get("data", {})
        for s in container.get("envFrom", [])
        if "configMapRef" in s
    ]
    env_names = {e["name"] for e in container.get("env", [])}
    if "GATEWAY_URL" in env_names:  # an env entry would override the ConfigMap's value
        problems.append(f"{where}: GATEWAY_URL is set in env, not taken from the ConfigMap")
    elif not any(data.get("GATEWAY_URL") == GATEWAY_URL for data in from_configmaps):
        problems.append(f"{where}: GATEWAY_URL {GATEWAY_URL} does not come from a ConfigMap")
    refs = secret_refs(container)
    if refs.get(SERVICE_CLIENTS[1]) != SERVICE_CLIENTS:
        problems.append(f"{where}: SERVICE_CLIENTS_SECRET is not the secretKeyRef {SERVICE_CLIENTS}")
    for var, secret in REGISTRY_SECRETS.items():
        if process == "registry" and refs.get(var) != (secret, var):
            problems.append(f"{where}: {var} is not the secretKeyRef ({secret!r}, {var!r})")
        if process != "registry" and var in env_names:
            problems.append(f"{where}: {var} belongs to the registry only")
    for var, secret in PAYMENTS_SECRETS.items():
        if process == "payments" and refs.get(var) != (secret, var):
            problems.append(f"{where}: {var} is not the secretKeyRef ({secret!r}, {var!r})")
    return problems


# --------------------------------------------------------------------------------------------------
# (a) schema validation


def test_schema_version_is_bundled() -> None:
    assert K8S_VERSION in all_versions(), f"kubernetes-validate ships {all_versions()}"


@pytest.mark.parametrize("path", k8s_files(), ids=lambda p: p.name)
def test_manifest_validates_against_kubernetes_schema(path: Path) -> None:
    documents = load_docs(path)
    assert documents, f"{path.name} has no documents"
    errors = []
    for doc in documents:
        try:
            kubernetes_validate.validate(doc, K8S_VERSION, strict=True)
        except kubernetes_validate.ValidationError as e:
            errors.append(f"{describe(doc)} at {'.'.join(map(str, e.path))}: {e.message}")
        except SchemaNotFoundError as e:  # an unknown kind or apiVersion is a failure, not a skip
            errors.append(e.message)
    assert not errors, "\n".join(errors)


def test_strict_validation_rejects_a_misspelt_field(docs: list[dict]) -> None:
    broken = copy.deepcopy(of_kind(docs, "Deployment")["gateway"])
    container = pod_spec(broken)["containers"][0]
    container["readinesProbe"] = container.pop("readinessProbe")
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(broken, K8S_VERSION, strict=True)


def test_everything_is_in_the_namespace(docs: list[dict]) -> None:
    assert of_kind(docs, "Namespace").keys() == {NAMESPACE}
    stray = [
        describe(d) for d in docs if d["kind"] != "Namespace" and d["metadata"].get("namespace") != NAMESPACE
    ]
    assert not stray, f"not in namespace {NAMESPACE}: {stray}"


def test_kustomization_lists_every_manifest() -> None:
    kustomization = yaml.safe_load((K8S / "kustomization.yaml").read_text(encoding="utf-8"))
    assert sorted(kustomization["resources"]) == [p.name for p in k8s_files()]


# --------------------------------------------------------------------------------------------------
# (b) probes, non-root, secrets by reference


def test_deployments_probe_run_non_root_and_take_secrets_by_reference(docs: list[dict]) -> None:
    configmaps = of_kind(docs, "ConfigMap")
    deployments = of_kind(docs, "Deployment")
    assert deployments
    problems = [p for d in deployments.values() for p in deployment_problems(d, configmaps)]
    assert not problems, "\n".join(problems)


def test_jobs_run_non_root_and_take_secrets_by_reference(docs: list[dict]) -> None:
    configmaps = of_kind(docs, "ConfigMap")
    problems = [p for j in of_kind(docs, "Job").values() for p in workload_problems(j, configmaps)]
    assert not problems, "\n".join(problems)


def test_no_secret_is_defined_in_the_repository(docs: list[dict]) -> None:
    assert not of_kind(docs, "Secret"), "Secrets are created by operators (deploy/k8s/README.md)"


def test_configmaps_hold_no_secrets(docs: list[dict]) -> None:
    found = [
        f"{name}: {key}"
        for name, cm in of_kind(docs, "ConfigMap").items()
        for key, value in cm.get("data", {}).items()
        if (SECRET_NAME.search(key) and not key.endswith("_FILE")) or SECRET_VALUE.search(str(value))
    ]
    assert not found, f"secret-looking ConfigMap entries: {found}"


def test_every_referenced_secret_is_documented(docs: list[dict]) -> None:
    referenced = set()
    for workload in [*of_kind(docs, "Deployment").values(), *of_kind(docs, "Job").values()]:
        pod = pod_spec(workload)
        referenced |= {(v["secret"]["secretName"], None) for v in pod.get("volumes", []) if "secret" in v}
        for container in all_containers(workload):
            referenced |= set(secret_refs(container).values())
    readme = (K8S / "README.md").read_text(encoding="utf-8")
    assert referenced
    # Every Secret has its `kubectl create secret` line, and every key it must hold appears in it.
    commands = {
        m.group(1): m.group(0)
        for m in re.finditer(r"create secret generic ([\w-]+)((?:[^\n]*\\\n)*[^\n]*)", readme)
    }
    undocumented = {name for name, _ in referenced if name not in commands}
    assert not undocumented, f"no `kubectl create secret` in deploy/k8s/README.md for {undocumented}"
    missing_keys = {
        (name, key) for name, key in referenced if key and f"--from-file={key}=" not in commands[name]
    }
    assert not missing_keys, f"keys missing from the `kubectl create secret` lines: {missing_keys}"


def test_readme_documents_the_id_keys() -> None:
    readme = (K8S / "README.md").read_text(encoding="utf-8")
    for needed in (
        "keyid:base64(32 bytes)",
        "python -m deploy.manage rotate-id-keys",
        'python -c "import base64,os;print(base64.b64encode(os.urandom(32)).decode())"',
    ):
        assert needed in readme, f"deploy/k8s/README.md does not mention {needed!r}"


def _drop_readiness(c: dict) -> None:
    del c["readinessProbe"]


def _liveness_on_readyz(c: dict) -> None:
    c["livenessProbe"]["httpGet"]["path"] = "/readyz"


def _probe_wrong_port(c: dict) -> None:
    c["readinessProbe"]["httpGet"]["port"] = 9999


def _root_user(c: dict) -> None:
    c["securityContext"]["runAsNonRoot"] = False


def _inline_secret_key(c: dict) -> None:
    c["env"].append({"name": "SECRET_KEY", "value": "hunter2"})


def _inline_database_url(c: dict) -> None:
    for e in c["env"]:
        if e["name"].endswith("_DATABASE_URL"):
            e.pop("valueFrom")
            e["value"] = "postgresql+asyncpg://gateway:pw@db:5432/gateway"


def _key_file_outside_secret(c: dict) -> None:
    for e in c["env"]:
        if e["name"] in ("JWT_PRIVATE_KEY_FILE", "JWT_PUBLIC_KEY_FILE"):
            e["value"] = "/app/var/keys/" + e["name"].lower() + ".pem"


def _key_file_not_projected(c: dict) -> None:
    for e in c["env"]:
        if e["name"] == "JWT_PUBLIC_KEY_FILE":
            e["value"] = "/etc/hangjin/jwt/other.pem"


def _no_limits(c: dict) -> None:
    del c["resources"]["limits"]


def _no_service_clients_secret(c: dict) -> None:
    c["env"] = [e for e in c["env"] if e["name"] != "SERVICE_CLIENTS_SECRET"]


def _service_clients_secret_inline(c: dict) -> None:
    for e in c["env"]:
        if e["name"] == "SERVICE_CLIENTS_SECRET":
            e.pop("valueFrom")
            e["value"] = "hunter2"


def _gateway_url_overridden(c: dict) -> None:
    c["env"].append({"name": "GATEWAY_URL", "value": "http://127.0.0.1:8000"})


def _no_configmap(c: dict) -> None:
    c["envFrom"] = []


def _id_keys_outside_registry(c: dict) -> None:
    c["env"].append(
        {
            "name": "ID_LOOKUP_KEY",
            "valueFrom": {"secretKeyRef": {"name": "hangjin-registry", "key": "ID_LOOKUP_KEY"}},
        }
    )


@pytest.mark.parametrize(
    "breakage",
    [
        _drop_readiness,
        _liveness_on_readyz,
        _probe_wrong_port,
        _root_user,
        _inline_secret_key,
        _inline_database_url,
        _key_file_outside_secret,
        _key_file_not_projected,
        _no_limits,
        _no_service_clients_secret,
        _service_clients_secret_inline,
        _gateway_url_overridden,
        _no_configmap,
        _id_keys_outside_registry,
    ],
)
@pytest.mark.parametrize("process", ["gateway", "monitoring"])
def test_deployment_checks_catch(breakage, process: str, docs: list[dict]) -> None:
    broken = copy.deepcopy(of_kind(docs, "Deployment")[process])
    breakage(pod_spec(broken)["containers"][0])
    assert deployment_problems(broken, of_kind(docs, "ConfigMap"))


@pytest.mark.parametrize(
    ("process", "var"),
    [("registry", var) for var in REGISTRY_SECRETS] + [("payments", var) for var in PAYMENTS_SECRETS],
)
def test_deployment_checks_catch_a_service_without_its_keys(process: str, var: str, docs: list[dict]) -> None:
    broken = copy.deepcopy(of_kind(docs, "Deployment")[process])
    container = pod_spec(broken)["containers"][0]
    container["env"] = [e for e in container["env"] if e["name"] != var]
    assert deployment_problems(broken, of_kind(docs, "ConfigMap"))


# --------------------------------------------------------------------------------------------------
# (c) one Deployment and Service per process, the migration Job, autoscaling, shared config


@pytest.mark.parametrize("name", PROCESSES)
def test_process_has_deployment_and_service(name: str, docs: list[dict]) -> None:
    port = PROCESSES[name]
    deployment = of_kind(docs, "Deployment").get(name)
    service = of_kind(docs, "Service").get(name)
    assert deployment is not None, f"no Deployment {name}"
    assert service is not None, f"no Service {name}"

    container = pod_spec(deployment)["containers"][0]
    assert container["command"] == [*MANAGE, "serve", name]
    assert [p["containerPort"] for p in container["ports"]] == [port]

    pod_labels = deployment["spec"]["template"]["metadata"]["labels"]
    assert service["spec"]["selector"].items() <= pod_labels.items(), "Service selects no pod"
    [service_port] = service["spec"]["ports"]
    assert service_port["port"] == port  # the ConfigMap's URLs use the process's own port
    assert resolve_port(container, service_port.get("targetPort", service_port["port"])) == port


def job_steps(job: dict) -> list[list[str]]:
    """The commands a Job's pod runs, in order: initContainers one after the other, then the containers."""
    return [c.get("command", []) + c.get("args", []) for c in all_containers(job)]


def migration_job_problems(job: dict) -> list[str]:
    """`migrate all` in an initContainer, then `service-clients` in the (single) container."""
    pod = pod_spec(job)
    problems = []
    if pod.get("restartPolicy") not in ("Never", "OnFailure"):
        problems.append(f"restartPolicy is {pod.get('restartPolicy')!r}")
    inits, containers = pod.get("initContainers", []), pod.get("containers", [])
    if [c.get("command", []) + c.get("args", []) for c in inits] != [[*MANAGE, "migrate", "all"]]:
        problems.append("the initContainer does not run `python -m deploy.manage migrate all` (alone)")
    if [c.get("command", []) + c.get("args", []) for c in containers] != [[*MANAGE, "service-clients"]]:
        problems.append("the container does not run `python -m deploy.manage service-clients` (alone)")
    for c in inits:
        missing = set(DATABASE_URL_VARS) - set(secret_refs(c))
        if missing:
            problems.append(f"the migration needs every database: {missing}")
    for c in containers:
        refs = secret_refs(c)
        if "GATEWAY_DATABASE_URL" not in refs:
            problems.append("service-clients needs GATEWAY_DATABASE_URL from a secretKeyRef")
        if refs.get(SERVICE_CLIENTS[1]) != SERVICE_CLIENTS:
            problems.append(
                f"service-clients needs SERVICE_CLIENTS_SECRET from the secretKeyRef {SERVICE_CLIENTS}"
            )
    return problems


def test_migration_job(docs: list[dict]) -> None:
    jobs = [job for job in of_kind(docs, "Job").values() if [*MANAGE, "migrate", "all"] in job_steps(job)]
    assert len(jobs) == 1, "expected one Job running `python -m deploy.manage migrate all`"
    problems = migration_job_problems(jobs[0])
    assert not problems, "\n".join(problems)


def _swap_steps(pod: dict) -> None:
    pod["initContainers"], pod["containers"] = pod["containers"], pod["initContainers"]


def _no_init(pod: dict) -> None:
    del pod["initContainers"]


def _clients_without_secret(pod: dict) -> None:
    env = pod["containers"][0]["env"]
    env[:] = [e for e in env if e["name"] != "SERVICE_CLIENTS_SECRET"]


def _migrate_without_a_database(pod: dict) -> None:
    env = pod["initContainers"][0]["env"]
    env[:] = [e for e in env if e["name"] != "PAYMENTS_DATABASE_URL"]


def _always_restart(pod: dict) -> None:
    pod["restartPolicy"] = "Always"


@pytest.mark.parametrize(
    "breakage", [_swap_steps, _no_init, _clients_without_secret, _migrate_without_a_database, _always_restart]
)
def test_migration_job_checks_catch(breakage, docs: list[dict]) -> None:
    broken = copy.deepcopy(of_kind(docs, "Job")["hangjin-migrate"])
    breakage(pod_spec(broken))
    assert migration_job_problems(broken)


def test_one_image_for_everything(docs: list[dict]) -> None:
    images = {
        c["image"]
        for w in [*of_kind(docs, "Deployment").values(), *of_kind(docs, "Job").values()]
        for c in all_containers(w)
    }
    assert len(images) == 1, images


def test_autoscaling(docs: list[dict]) -> None:
    deployments = of_kind(docs, "Deployment")
    hpas = {h["spec"]["scaleTargetRef"]["name"]: h for h in of_kind(docs, "HorizontalPodAutoscaler").values()}
    assert hpas.keys() == set(PROCESSES)  # every process scales out: each runs as two or more replicas
    for target, hpa in hpas.items():
        assert hpa["apiVersion"] == "autoscaling/v2"
        assert hpa["spec"]["scaleTargetRef"]["kind"] == "Deployment"
        assert target in deployments, f"HPA targets missing Deployment {target}"
        assert 2 <= hpa["spec"].get("minReplicas", 1) <= hpa["spec"]["maxReplicas"]
        # The HPA owns the count: a replicas field would be reset on every `kubectl apply`.
        assert "replicas" not in deployments[target]["spec"], f"{target}: replicas fights the HPA"
        # Utilization targets are relative to requests.
        for c in pod_spec(deployments[target])["containers"]:
            assert "cpu" in c["resources"]["requests"], f"{target}: HPA needs cpu requests"


def test_every_process_keeps_a_replica_through_a_drain(docs: list[dict]) -> None:
    """A PodDisruptionBudget per process, selecting exactly its Deployment's pods and letting one go at a
    time, so with the HPA's two or more replicas a node drain never takes a process away."""
    deployments = of_kind(docs, "Deployment")
    budgets = of_kind(docs, "PodDisruptionBudget")
    assert budgets.keys() == set(PROCESSES)
    for name, budget in budgets.items():
        assert budget["apiVersion"] == "policy/v1"
        pods = deployments[name]["spec"]["selector"]["matchLabels"]
        assert budget["spec"]["selector"]["matchLabels"] == pods
        assert budget["spec"].get("maxUnavailable") == 1 and "minAvailable" not in budget["spec"]


def test_configmap_points_at_the_services(docs: list[dict]) -> None:
    [configmap] = of_kind(docs, "ConfigMap").values()
    data = configmap["data"]
    assert data["HANGJIN_ENV"] == "production"
    assert data["GATEWAY_URL"] == GATEWAY_URL
    for name, port in PROCESSES.items():
        if name != "gateway":
            assert data[f"{name.upper()}_URL"] == f"http://{name}:{port}"


# --------------------------------------------------------------------------------------------------
# (d) compose


def compose_problems(compose: dict) -> list[str]:
    services = compose.get("services", {})
    problems = []
    for required in ["postgres", "migrate", "service-clients", *PROCESSES]:
        if required not in services:
            problems.append(f"no service {required}")
    if problems:
        return problems

    postgres = services["postgres"]
    if not str(postgres.get("image", "")).startswith("postgres:15"):
        problems.append(f"postgres image is {postgres.get('image')!r}, not PostgreSQL 15")
    if not postgres.get("healthcheck", {}).get("test"):
        problems.append("postgres has no healthcheck")

    migrate = services["migrate"]
    if migrate.get("command") != [*MANAGE, "migrate", "all"]:
        problems.append(f"migrate runs {migrate.get('command')!r}")
    if migrate.get("depends_on", {}).get("postgres", {}).get("condition") != "service_healthy":
        problems.append("migrate does not wait for postgres to be healthy")
    clients = services["service-clients"]
    if clients.get("command") != [*MANAGE, "service-clients"]:
        problems.append(f"service-clients runs {clients.get('command')!r}")
    if clients.get("depends_on", {}).get("migrate", {}).get("condition") != "service_completed_successfully":
        problems.append("service-clients does not wait for migrate to complete")
    clients_env = clients.get("environment", {})
    for var in ("GATEWAY_DATABASE_URL", "SERVICE_CLIENTS_SECRET"):
        if "${" not in str(clients_env.get(var, "")):
            problems.append(f"service-clients: {var} is not taken from deploy/.env")

    top_secrets = compose.get("secrets", {})
    for name, port in PROCESSES.items():
        service = services[name]
        env = service.get("environment", {})
        if service.get("command") != [*MANAGE, "serve", name]:
            problems.append(f"{name} runs {service.get('command')!r}")
        if str(env.get("PORT")) != str(port):
            problems.append(f"{name}: PORT is {env.get('PORT')!r}, not {port}")
        for step in ("migrate", "service-clients"):
            condition = service.get("depends_on", {}).get(step, {}).get("condition")
            if condition != "service_completed_successfully":
                problems.append(f"{name} does not wait for {step} to complete (condition {condition!r})")
        if env.get("GATEWAY_URL") != GATEWAY_URL:
            problems.append(f"{name}: GATEWAY_URL is {env.get('GATEWAY_URL')!r}, not {GATEWAY_URL}")
        if not str(env.get("SERVICE_CLIENTS_SECRET", "")).startswith("${SERVICE_CLIENTS_SECRET"):
            problems.append(
                f"{name}: SERVICE_CLIENTS_SECRET is not ${{SERVICE_CLIENTS_SECRET}} from deploy/.env"
            )
        for var in REGISTRY_SECRETS:
            if name == "registry" and not str(env.get(var, "")).startswith("${" + var):
                problems.append(f"registry: {var} is not ${{{var}}} from deploy/.env")
            if name != "registry" and var in env:
                problems.append(f"{name}: {var} belongs to the registry only")
        health = service.get("healthcheck", {})
        if health.get("disable") or "/readyz" not in json.dumps(health.get("test", "")):
            problems.append(f"{name} has no /readyz healthcheck")
        build = service.get("build", {})
        context = (DEPLOY / build.get("context", ".")).resolve()
        if context != REPO or build.get("dockerfile") != "deploy/Dockerfile":
            problems.append(f"{name} is not built from deploy/Dockerfile with the repository as context")
        # Secrets: interpolated from deploy/.env or mounted compose secrets, never literal.
        mounted = {s if isinstance(s, str) else s["source"] for s in service.get("secrets", [])}
        for var, value in env.items():
            value = str(value)
            if "${" not in value and SECRET_VALUE.search(value):
                problems.append(f"{name}: {var} has a secret inline")
            if not SECRET_NAME.search(var):
                continue
            if var.endswith("_FILE"):
                secret = value.removeprefix("/run/secrets/")
                if secret == value or secret not in mounted or "file" not in top_secrets.get(secret, {}):
                    problems.append(f"{name}: {var} is not a compose secret file mounted in the service")
            elif "${" not in value:
                problems.append(f"{name}: {var} is literal; take it from deploy/.env")
    if "8000:8000" not in [str(p) for p in services["gateway"].get("ports", [])]:
        problems.append("the gateway does not publish 8000")
    seed = services.get("seed")
    if seed is not None:  # demo households are encrypted with the registry's keys
        seed_env = seed.get("environment", {})
        for var in REGISTRY_SECRETS:
            if seed_env.get(var) != services["registry"].get("environment", {}).get(var):
                problems.append(f"seed: {var} differs from the registry's")
    return problems


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load(COMPOSE.read_text(encoding="utf-8"))


def test_compose(compose: dict) -> None:
    problems = compose_problems(compose)
    assert not problems, "\n".join(problems)


def test_compose_creates_the_five_databases(compose: dict) -> None:
    mounts = compose["services"]["postgres"].get("volumes", [])
    scripts = [m.split(":")[0] for m in mounts if ":/docker-entrypoint-initdb.d/" in m]
    assert scripts, "no init script mounted into /docker-entrypoint-initdb.d"
    sql = "\n".join((DEPLOY / s).read_text(encoding="utf-8") for s in scripts)
    created = set(re.findall(r"CREATE\s+DATABASE\s+\"?(\w+)", sql, flags=re.IGNORECASE))
    assert created == set(PROCESSES)
    for name in PROCESSES:  # and every process's URL names its own database on that server
        url = compose["services"][name]["environment"][f"{name.upper()}_DATABASE_URL"]
        assert url.startswith("postgresql+asyncpg://") and url.endswith(f"@postgres:5432/{name}")


def test_compose_variables_are_in_env_example() -> None:
    required = set(re.findall(r"\$\{(\w+)", COMPOSE.read_text(encoding="utf-8")))
    example = (DEPLOY / ".env.example").read_text(encoding="utf-8")
    defined = set(re.findall(r"^(\w+)=", example, flags=re.MULTILINE))
    assert required <= defined, f"missing from deploy/.env.example: {required - defined}"


@pytest.mark.parametrize(
    "path, value",
    [
        (("services", "registry", "depends_on", "migrate", "condition"), "service_started"),
        (("services", "gateway", "environment", "SECRET_KEY"), "hunter2"),
        (("services", "payments", "healthcheck"), {"disable": True}),
        (("services", "gateway", "ports"), []),
        (
            ("services", "assets", "environment", "ASSETS_DATABASE_URL"),
            "postgresql+asyncpg://a:b@postgres:5432/assets",
        ),
        (("services", "migrate", "command"), [*MANAGE, "seed"]),
        (("services", "service-clients", "command"), [*MANAGE, "migrate", "all"]),
        (("services", "service-clients", "depends_on"), {}),
        (("services", "gateway", "depends_on", "service-clients", "condition"), "service_started"),
        (("services", "monitoring", "environment", "GATEWAY_URL"), "http://127.0.0.1:8000"),
        (("services", "payments", "environment", "SERVICE_CLIENTS_SECRET"), "hunter2"),
        (("services", "registry", "environment", "ID_LOOKUP_KEY"), "bG9jYWw="),
        (("services", "assets", "environment", "ID_ENCRYPTION_KEYS"), "${ID_ENCRYPTION_KEYS}"),
        (("services", "seed", "environment", "ID_LOOKUP_KEY"), "${OTHER_KEY}"),
    ],
)
def test_compose_checks_catch(path: tuple[str, ...], value: Any, compose: dict) -> None:
    broken = copy.deepcopy(compose)
    target = broken
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    assert compose_problems(broken)


def test_compose_checks_catch_a_missing_process(compose: dict) -> None:
    broken = copy.deepcopy(compose)
    del broken["services"]["monitoring"]
    assert compose_problems(broken)


# --------------------------------------------------------------------------------------------------
# (e) Dockerfile


def dockerfile_stages(text: str) -> list[list[tuple[str, str]]]:
    """(INSTRUCTION, arguments) per stage, continuation lines joined and comments dropped."""
    logical, current = [], ""
    for line in text.splitlines():
        stripped = line.strip()
        if not current and (not stripped or stripped.startswith("#")):
            continue
        if stripped.startswith("#"):  # a comment inside a continued instruction
            continue
        if stripped.endswith("\\"):
            current += stripped[:-1] + " "
            continue
        logical.append(current + stripped)
        current = ""
    stages: list[list[tuple[str, str]]] = []
    for line in logical:
        instruction, _, args = line.partition(" ")
        instruction = instruction.upper()
        if instruction == "FROM":
            stages.append([])
        if stages:
            stages[-1].append((instruction, args.strip()))
    return stages


def exec_form(args: str) -> list[str]:
    try:
        value = json.loads(args)
    except json.JSONDecodeError:
        return shlex.split(args)
    return value if isinstance(value, list) else [str(value)]


def dockerfile_problems(text: str) -> list[str]:
    stages = dockerfile_stages(text)
    if not stages:
        return ["no FROM"]
    problems = []
    stage_names = {args.split()[-1] for stage in stages for i, args in stage[:1] if " as " in args.lower()}
    for stage in stages:
        image = next(a for a in stage[0][1].split() if not a.startswith("--"))
        if image not in stage_names and image != "python:3.11-slim":
            problems.append(f"base image {image}, not python:3.11-slim")
    runs = " ;; ".join(args for stage in stages for i, args in stage if i == "RUN")
    copies = [args for stage in stages for i, args in stage if i == "COPY"]
    if not any("requirements.lock" in c.split() for c in copies):
        problems.append("requirements.lock is not copied into the build")
    if not re.search(r"pip install\b[^;&|]*\s-r\s+requirements\.lock\b", runs):
        problems.append("no `pip install -r requirements.lock`")
    if not re.search(r"pip install\b[^;&|]*\s--no-deps\s+\.(\s|$)", runs):
        problems.append("no `pip install --no-deps .`")

    final = stages[-1]
    last = {i: args for i, args in final}  # the last of each instruction wins
    user = last.get("USER", "root").split(":")[0]
    if user in ("root", "0"):
        problems.append(f"the final stage runs as {user}")
    if last.get("WORKDIR") != "/app":
        problems.append(f"WORKDIR is {last.get('WORKDIR')!r}, not /app")
    command = exec_form(last.get("ENTRYPOINT", "[]")) + exec_form(last.get("CMD", "[]"))
    if command[:3] != MANAGE:
        problems.append(f"the image runs {command}, not python -m deploy.manage")
    return problems


def test_dockerfile() -> None:
    problems = dockerfile_problems(DOCKERFILE.read_text(encoding="utf-8"))
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize(
    "old, new",
    [
        ('CMD ["python", "-m", "deploy.manage"', 'CMD ["uvicorn", "gateway.app:app"'),
        ("pip install -r requirements.lock", "pip install fastapi"),
        ("pip install --no-deps .", "pip install ."),
        ("USER 10001:10001", "USER root"),
        ("WORKDIR /app", "WORKDIR /srv"),
        ("FROM python:3.11-slim AS runtime", "FROM python:3.13 AS runtime"),
    ],
)
def test_dockerfile_checks_catch(old: str, new: str) -> None:
    text = DOCKERFILE.read_text(encoding="utf-8")
    assert old in text, f"the test's fixture text {old!r} is gone from the Dockerfile"
    assert dockerfile_problems(text.replace(old, new))


def test_dockerignore_keeps_local_state_out_but_not_the_sources() -> None:
    patterns = [
        line.strip()
        for line in DOCKERIGNORE.read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    ]
    for needed in (".venv", "var/", ".git", ".pytest_cache/", ".ruff_cache/", "**/__pycache__/"):
        assert needed in patterns, f".dockerignore does not exclude {needed}"
    # Whatever the Dockerfile copies from the context must not be ignored.
    stages = dockerfile_stages(DOCKERFILE.read_text(encoding="utf-8"))
    sources = [
        src
        for stage in stages
        for i, args in stage
        if i == "COPY" and "--from" not in args
        for src in [a for a in args.split() if not a.startswith("--")][:-1]
    ]
    assert sources
    ignored = [
        src
        for src in sources
        for pat in patterns
        if not pat.startswith("!") and fnmatch.fnmatch(src.removeprefix("./"), pat.rstrip("/"))
    ]
    assert not ignored, f"copied but ignored: {ignored}"
