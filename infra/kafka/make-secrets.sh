#!/usr/bin/env bash
# Makes what a SASL_SSL Kafka needs, once, into DIR (root-only): a private CA (ca.pem for
# clients), the broker's certificate for 127.0.0.1/localhost/kafka (broker.p12), a truststore,
# and one random SCRAM password per principal (credentials/<name>). Uses the JDK's keytool
# (always beside Java); store passwords are read from a file, never put on a command line.
# Used by infra/local-servers and by compose's Kafka container (infra/kafka/compose-start.sh).
#
#   make-secrets.sh DIR principal...
set -euo pipefail
dir=$1; shift
[[ -f "$dir/.complete" ]] && exit 0
rm -rf "${dir:?}"/* "$dir"/.complete 2>/dev/null || true
(umask 077 && mkdir -p "$dir/credentials")
random_secret() { head -c 24 /dev/urandom | base64 | tr '+/' '-_' | tr -d '='; }
(umask 077 && random_secret > "$dir/store-password")
for principal in "$@"; do (umask 077 && random_secret > "$dir/credentials/$principal"); done
pass=(-storepass:file "$dir/store-password")
{
  keytool -genkeypair -keystore "$dir/ca.p12" -storetype PKCS12 "${pass[@]}" -alias ca \
    -dname "CN=PeerLink Kafka CA" -keyalg EC -groupname secp256r1 -validity 3650 -ext bc:c
  keytool -exportcert -rfc -keystore "$dir/ca.p12" "${pass[@]}" -alias ca -file "$dir/ca.pem"
  keytool -genkeypair -keystore "$dir/broker.p12" -storetype PKCS12 "${pass[@]}" -alias broker \
    -dname "CN=localhost" -keyalg EC -groupname secp256r1 -validity 825
  keytool -certreq -keystore "$dir/broker.p12" "${pass[@]}" -alias broker -file "$dir/broker.csr"
  keytool -gencert -keystore "$dir/ca.p12" "${pass[@]}" -alias ca -infile "$dir/broker.csr" \
    -outfile "$dir/broker.pem" -rfc -validity 825 \
    -ext "SAN=ip:127.0.0.1,dns:localhost,dns:kafka" -ext ku:c=digitalSignature -ext eku=serverAuth
  keytool -importcert -noprompt -keystore "$dir/broker.p12" "${pass[@]}" -alias ca -file "$dir/ca.pem"
  keytool -importcert -noprompt -keystore "$dir/broker.p12" "${pass[@]}" -alias broker -file "$dir/broker.pem"
  keytool -importcert -noprompt -keystore "$dir/truststore.p12" -storetype PKCS12 "${pass[@]}" \
    -alias ca -file "$dir/ca.pem"
} >"$dir/keytool.log" 2>&1 || { echo "keytool failed:" >&2; tail -5 "$dir/keytool.log" >&2; exit 1; }
rm -f "$dir/ca.p12" "$dir/broker.csr"  # the CA's key is not needed again: a new CA is a new `up`
chmod 644 "$dir/ca.pem"
touch "$dir/.complete"
