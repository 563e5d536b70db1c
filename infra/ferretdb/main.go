// Command peerlink-ferretdb runs FerretDB v1 embedded, with the PostgreSQL backend, on loopback.
//
// `go install github.com/FerretDB/FerretDB/cmd/ferretdb` builds a binary that panics at start
// (its version file is generated and not part of the module), so we start the embeddable
// package instead.
package main

import (
	"context"
	"flag"
	"log"
	"os"
	"os/signal"
	"syscall"

	"github.com/FerretDB/FerretDB/ferretdb"
)

func main() {
	listen := flag.String("listen", "127.0.0.1:27017", "address to listen on")
	flag.Parse()

	// From the environment, not a flag: the URL holds a password, and argv is public.
	postgresURL := os.Getenv("PEERLINK_FERRETDB_POSTGRESQL_URL")
	if postgresURL == "" {
		log.Fatal("PEERLINK_FERRETDB_POSTGRESQL_URL is required")
	}

	f, err := ferretdb.New(&ferretdb.Config{
		Listener:      ferretdb.ListenerConfig{TCP: *listen},
		Handler:       "postgresql",
		PostgreSQLURL: postgresURL,
	})
	if err != nil {
		log.Fatal(err)
	}

	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()

	log.Printf("peerlink-ferretdb listening on %s", *listen)
	if err := f.Run(ctx); err != nil {
		log.Fatal(err)
	}
}
