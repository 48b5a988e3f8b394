# The benchmark's OpenTofu peer (scripts/bench.sh): the local stack that
# `pulumi up` of dsenv makes with its defaults (targets/local.ts,
# components/workspace.ts, mysql.ts, jupyter.ts, service.ts, image.ts), declared
# for `tofu apply` on the same upstream providers the project's Pulumi plugins
# are bridged from (scripts/toolchain/ensure-tofu.sh builds both):
#   - the workspace network (bridge), MySQL on it as "mysql" and "myjupyterdb";
#   - named volumes for MySQL's data and the notebook's work directory;
#   - the notebook image built from images/jupyter on the Jupyter base image
#     (as the program: tagged by a digest of its build inputs, kept on destroy);
#   - generated passwords and token (letters and digits, 32/32/48);
#   - both containers with the program's healthchecks, restart policy, stop
#     grace, ports on 127.0.0.1, and `wait = true`: apply returns once both are
#     healthy, as `pulumi up` does.
# Not here: what the program adds only for users, accounts, GPUs or a swarm.
# (Checked with `docker inspect` beside the program's containers: the same
# environment, entrypoint, command, healthcheck, restart policy, ports, labels,
# mounts and network aliases, but for the host port.) Unlike the program, destroy
# removes both volumes (the program keeps them by default: Pulumi's
# retainOnDelete has no OpenTofu counterpart; the bench removes what is left
# after each destroy, untimed, so every cold run starts from nothing).

terraform {
  required_providers {
    # A made-up host: `tofu init` finds these only in the filesystem mirror
    # that ensure-tofu.sh fills and names in its CLI config (TF_CLI_CONFIG_FILE,
    # `provider_installation { filesystem_mirror {...} }`, no `direct`), so
    # nothing ever asks a registry. The versions are the upstream releases the
    # bridged plugins are built from (kreuzwerker v4.6.0 line, random 3.9.0).
    docker = {
      source  = "dsenv.local/kreuzwerker/docker"
      version = "4.6.0"
    }
    random = {
      source  = "dsenv.local/hashicorp/random"
      version = "3.9.0"
    }
  }
}

variable "name_prefix" {
  type = string
}
variable "mysql_image" {
  type    = string
  default = "mysql:8.4"
}
variable "jupyter_base_image" {
  type    = string
  default = "jupyter/datascience-notebook:2023-10-20"
}
variable "jupyter_host_port" {
  type    = number
  default = 8888
}
variable "image_labels" {
  description = "The program's provenance labels on the notebook image (git-commit, build-date: \"unknown\" outside git, as in the bench's copy)."
  type        = map(string)
  default     = { "git-commit" = "unknown", "build-date" = "unknown" }
}
variable "jupyter_context" {
  description = "The notebook image's build context (the project's images/jupyter)."
  type        = string
  default     = "../../images/jupyter"
}

locals {
  database = "analytics"
  user     = "analyst"
  context  = abspath(var.jupyter_context)
  # Every file of the context and the build args: the image is rebuilt exactly when they change.
  build_inputs = sha256(join("\n", concat(
    [for f in sort(fileset(local.context, "**")) : "${f}:${filesha256("${local.context}/${f}")}"],
    [var.jupyter_base_image, jsonencode(var.image_labels)],
  )))
  # components/mysql-entrypoint.ts, mysqlEntrypoint(false): on a kept data dir the
  # image's entrypoint runs with an --init-file that re-applies the credentials.
  mysql_entrypoint = chomp(<<-EOT
    set -eu
    if [ -d /var/lib/mysql/mysql ]; then
      [ -z "$${MYSQL_ROOT_PASSWORD_FILE:-}" ] || MYSQL_ROOT_PASSWORD=$(cat "$MYSQL_ROOT_PASSWORD_FILE")
      [ -z "$${MYSQL_PASSWORD_FILE:-}" ] || MYSQL_PASSWORD=$(cat "$MYSQL_PASSWORD_FILE")
      f=/tmp/dsenv-credentials.sql
      umask 077
      cat >"$f" <<SQL
    ALTER USER 'root'@'localhost' IDENTIFIED BY '$MYSQL_ROOT_PASSWORD';
    ALTER USER IF EXISTS 'root'@'%' IDENTIFIED BY '$MYSQL_ROOT_PASSWORD';
    CREATE DATABASE IF NOT EXISTS \`$MYSQL_DATABASE\`;
    CREATE USER IF NOT EXISTS '$MYSQL_USER'@'%' IDENTIFIED BY '$MYSQL_PASSWORD';
    ALTER USER '$MYSQL_USER'@'%' IDENTIFIED BY '$MYSQL_PASSWORD';
    GRANT ALL ON \`$MYSQL_DATABASE\`.* TO '$MYSQL_USER'@'%';
    SQL
      chown mysql "$f" 2>/dev/null || true
      set -- "$@" --init-file="$f"
    fi
    exec docker-entrypoint.sh "$@"
  EOT
  )
}

provider "docker" {}

resource "docker_network" "workspace" {
  name     = "${var.name_prefix}-net"
  driver   = "bridge"
  internal = false
}

resource "docker_volume" "mysql_data" {
  name = "${var.name_prefix}-mysql-data"
  labels {
    label = "dsenv.keep-on-destroy"
    value = "true"
  }
}

resource "docker_volume" "jupyter_work" {
  name = "${var.name_prefix}-jupyter-work"
  labels {
    label = "dsenv.keep-on-destroy"
    value = "true"
  }
}

resource "random_password" "mysql_root" {
  length  = 32
  special = false
}
resource "random_password" "mysql" {
  length  = 32
  special = false
}
resource "random_password" "jupyter_token" {
  length  = 48
  special = false
}

# Pulled by reference where it is missing (here: already on the engine).
resource "docker_image" "mysql" {
  name         = var.mysql_image
  keep_locally = true
}

resource "docker_image" "jupyter" {
  name         = "dsenv/jupyter:t-${substr(local.build_inputs, 0, 16)}"
  keep_locally = true
  triggers     = { build_inputs = local.build_inputs }
  build {
    context    = local.context
    dockerfile = "Dockerfile"
    build_args = { BASE_IMAGE = var.jupyter_base_image }
    label      = var.image_labels
  }
}

resource "docker_container" "mysql" {
  name       = "${var.name_prefix}-mysql"
  image      = docker_image.mysql.image_id
  entrypoint = ["/bin/sh", "-c", local.mysql_entrypoint, "dsenv-mysql"]
  command    = ["mysqld"]
  env = [
    "MYSQL_DATABASE=${local.database}",
    "MYSQL_USER=${local.user}",
    "MYSQL_ROOT_PASSWORD=${random_password.mysql_root.result}",
    "MYSQL_PASSWORD=${random_password.mysql.result}",
  ]
  mounts {
    type   = "volume"
    source = docker_volume.mysql_data.name
    target = "/var/lib/mysql"
  }
  networks_advanced {
    name    = docker_network.workspace.name
    aliases = ["mysql", "myjupyterdb"]
  }
  healthcheck {
    test         = ["CMD-SHELL", "mysqladmin ping -h 127.0.0.1 --silent"]
    interval     = "5s"
    timeout      = "5s"
    retries      = 30
    start_period = "30s"
  }
  wait                  = true
  wait_timeout          = 300
  restart               = "unless-stopped"
  destroy_grace_seconds = 30
  remove_volumes        = true
  labels {
    label = "dsenv.service"
    value = "workspace-mysql"
  }
}

resource "docker_container" "jupyter" {
  name  = "${var.name_prefix}-jupyter"
  image = docker_image.jupyter.image_id
  env = [
    "MYSQL_HOST=mysql",
    "MYSQL_PORT=3306",
    "MYSQL_DATABASE=${local.database}",
    "MYSQL_USER=${local.user}",
    "JUPYTER_TOKEN=${random_password.jupyter_token.result}",
    "MYSQL_PASSWORD=${random_password.mysql.result}",
    "DATABASE_URL=mysql+pymysql://${local.user}:${random_password.mysql.result}@mysql:3306/${local.database}",
  ]
  ports {
    internal = 8888
    external = var.jupyter_host_port
    ip       = "127.0.0.1"
    protocol = "tcp"
  }
  mounts {
    type   = "volume"
    source = docker_volume.jupyter_work.name
    target = "/home/jovyan/work"
  }
  networks_advanced {
    name = docker_network.workspace.name
  }
  # /api answers without a token once the server is up.
  healthcheck {
    test         = ["CMD", "python", "-c", "import urllib.request; urllib.request.urlopen(\"http://127.0.0.1:8888/api\", timeout=4)"]
    interval     = "5s"
    timeout      = "5s"
    retries      = 30
    start_period = "10s"
  }
  # Not after the database: both start at once, as in the program.
  wait                  = true
  wait_timeout          = 300
  restart               = "unless-stopped"
  destroy_grace_seconds = 30
  remove_volumes        = true
  labels {
    label = "dsenv.service"
    value = "workspace-jupyter"
  }
}

output "jupyter_image" {
  value = docker_image.jupyter.name
}
output "mysql_container" {
  value = docker_container.mysql.name
}
output "jupyter_container" {
  value = docker_container.jupyter.name
}
