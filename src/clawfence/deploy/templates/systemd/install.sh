#!/bin/sh
# Rendered by `clawfence deploy render systemd`: installs the hardened units. Run as root; review first.
# Existing files are kept as <file>.clawfence-bak.<time> before being replaced.
set -eu
HERE=$(cd "$(dirname "$0")" && pwd)
STAMP=$(date +%Y%m%d%H%M%S)
put() { # put MODE OWNER:GROUP SRC DEST
  if [ -e "$4" ] && ! cmp -s "$3" "$4"; then cp -p "$4" "$4.clawfence-bak.$STAMP"; fi
  install -m "$1" -o "${2%%:*}" -g "${2##*:}" "$3" "$4"
}
put 0644 root:root "$HERE/sysusers-clawfence.conf" /usr/lib/sysusers.d/clawfence.conf
systemd-sysusers /usr/lib/sysusers.d/clawfence.conf
install -d -m 0750 -o root -g openclaw /etc/openclaw
put 0640 root:openclaw "$HERE/openclaw.json" /etc/openclaw/openclaw.json
@guard@install -d -m 0755 /usr/share/clawfence/guard-plugin
@guard@cp -R "$HERE/guard-plugin/." /usr/share/clawfence/guard-plugin/
@guard@chmod -R go-w /usr/share/clawfence/guard-plugin
for unit in openclaw-gateway.service clawfence-audit.service clawfence-audit.timer @guard@clawfence-guard.service
do
  [ -f "$HERE/$unit" ] && put 0644 root:root "$HERE/$unit" "/etc/systemd/system/$unit"
done
systemctl daemon-reload
@guard@systemctl enable --now clawfence-guard.service
systemctl enable --now openclaw-gateway.service clawfence-audit.timer
echo "installed; the gateway token is in /var/lib/openclaw/gateway-token (0600, user openclaw)"
