// Command ferretdb runs FerretDB 1.x embedded on its SQLite backend.
//
// It exists because `go install .../cmd/ferretdb` builds a binary that panics at start
// (its version file is generated at release time and is not in the module). Embedding
// the library package avoids that and lets us pin exactly the flags we need.
package main

import (
	"context"
	"flag"
	"fmt"
	"log"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"

	"github.com/FerretDB/FerretDB/ferretdb"
)

func main() {
	addr := flag.String("listen", "127.0.0.1:27017", "TCP address to listen on")
	dir := flag.String("dir", ".data/ferretdb", "folder holding the SQLite databases")
	level := flag.String("log-level", "warn", "log level: debug, info, warn or error")
	// WAL with synchronous=NORMAL survives a crash of any process; only an OS crash or power loss can drop the last
	// commits. FULL fsyncs on every commit, which made each token-endpoint write wait on the disk.
	sync := flag.String("synchronous", "normal", "SQLite synchronous pragma: normal or full")
	flag.Parse()

	abs, err := filepath.Abs(*dir)
	if err != nil {
		log.Fatal(err)
	}
	if err := os.MkdirAll(abs, 0o700); err != nil {
		log.Fatal(err)
	}

	if *sync != "normal" && *sync != "full" {
		log.Fatalf("-synchronous must be normal or full, not %q", *sync)
	}

	var lvl slog.Level
	if err := lvl.UnmarshalText([]byte(*level)); err != nil {
		log.Fatal(err)
	}
	// Connection open/close lines at info level would drown the provider's own logs.
	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: lvl}))

	f, err := ferretdb.New(&ferretdb.Config{
		Logger:    logger,
		Listener:  ferretdb.ListenerConfig{TCP: *addr},
		Handler:   "sqlite",
		SQLiteURL: "file:" + abs + "/?_pragma=synchronous(" + *sync + ")",
	})
	if err != nil {
		log.Fatal(err)
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	fmt.Fprintf(os.Stderr, "ferretdb listening on %s, data in %s\n", *addr, abs)
	if err := f.Run(ctx); err != nil && ctx.Err() == nil {
		log.Fatal(err)
	}
}
