#!/usr/bin/env bash
# Compose's Kafka: the same SASL_SSL broker as infra/local-servers, inside apache/kafka.
# Secrets (CA, broker certificate, one SCRAM password per principal) are made once into the
# `kafka-secrets` volume; the services mount it read-only and log in as themselves.
set -euo pipefail
SECRETS=/run/kafka-secrets
DATA=/var/lib/kafka/data
PRINCIPALS=(admin ops intake eligibility scheduling notifications)
/peerlink/make-secrets.sh "$SECRETS" "${PRINCIPALS[@]}"
umask 077
sed -e "s|@KAFKA_PORT@|9092|g" -e "s|@CONTROLLER_PORT@|9093|g" -e "s|@DATA_DIR@|$DATA|g" \
  -e "s|@SECRETS_DIR@|$SECRETS|g" -e "s|@LISTEN_HOST@||g" -e "s|@ADVERTISED_HOST@|kafka|g" \
  -e "s|@ADMIN_PASSWORD@|$(cat "$SECRETS/credentials/admin")|g" \
  -e "s|@STORE_PASSWORD@|$(cat "$SECRETS/store-password")|g" \
  /peerlink/server.properties.in > /tmp/server.properties
# The admin login for the health check and the topic job's tools.
cat > "$SECRETS/admin.properties" <<PROPERTIES
security.protocol=SASL_SSL
sasl.mechanism=SCRAM-SHA-512
sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="admin" password="$(cat "$SECRETS/credentials/admin")";
ssl.truststore.type=PEM
ssl.truststore.location=$SECRETS/ca.pem
PROPERTIES
if [[ ! -f "$DATA/meta.properties" ]]; then
  scram=()
  for principal in "${PRINCIPALS[@]}"; do
    scram+=(--add-scram "SCRAM-SHA-512=[name=$principal,password=$(cat "$SECRETS/credentials/$principal")]")
  done
  /opt/kafka/bin/kafka-storage.sh format --ignore-formatted \
    -t "$(/opt/kafka/bin/kafka-storage.sh random-uuid)" -c /tmp/server.properties "${scram[@]}"
fi
# The services run as another user in their own containers: let them read the CA and their
# password file (the volume is mounted read-only there).
chmod 755 "$SECRETS" "$SECRETS/credentials" && chmod 644 "$SECRETS"/credentials/* "$SECRETS/ca.pem"
exec /opt/kafka/bin/kafka-server-start.sh /tmp/server.properties
