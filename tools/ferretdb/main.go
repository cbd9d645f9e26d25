// Command ferretdb runs FerretDB 1.x embedded on its SQLite backend.
//
// It exists because `go install .../cmd/ferretdb` builds a binary that panics at start
// (its version file is generated at release time and is not in the module). Embedding
// the library package avoids that and lets us pin exactly the flags we need.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/FerretDB/FerretDB/ferretdb"
)

func main() {
	addr := flag.String("listen", "127.0.0.1:27017", "TCP address to listen on")
	dir := flag.String("dir", ".data/ferretdb", "folder holding the SQLite databases")
	level := flag.String("log-level", "warn", "log level: debug, info, warn or error")
	// WAL with synchronous=NORMAL survives a crash of any process; only an OS crash or power loss can drop the last
	// commits. FULL fsyncs on every commit, which made each token-endpoint write wait on the disk.
	sync := flag.String("synchronous", "normal", "SQLite synchronous pragma: normal or full")
	lockWait := flag.Duration("lock-wait", 0, "how long to wait for another process to release the data folder")
	exitWithStdin := flag.Bool("exit-with-stdin", false, "stop when standard input closes (the launching process is gone)")
	flag.Parse()

	abs, err := filepath.Abs(*dir)
	if err != nil {
		log.Fatal(err)
	}
	if err := os.MkdirAll(abs, 0o700); err != nil {
		log.Fatal(err)
	}

	lock, err := lockDataDir(abs, *addr, *lockWait)
	if err != nil {
		fmt.Fprintf(os.Stderr, "ferretdb: %v\n", err)
		os.Exit(exitLocked)
	}
	defer releaseDataDir(lock)

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
	if *exitWithStdin {
		ctx = stopWhenStdinCloses(ctx)
	}
	// From the moment it starts stopping, the lock file no longer names this process: a launcher that finds it still
	// listening waits for it to go instead of adopting a database that is about to disappear.
	go func() {
		<-ctx.Done()
		_ = lock.Truncate(0)
	}()

	fmt.Fprintf(os.Stderr, "ferretdb listening on %s, data in %s\n", *addr, abs)
	if err := f.Run(ctx); err != nil && ctx.Err() == nil {
		releaseDataDir(lock)
		log.Fatal(err)
	}
}

// exitLocked is the exit code when another process holds the data folder: the launcher tells it apart from a crash.
const exitLocked = 3

// lockDataDir holds an exclusive lock on <dir>/ferretdb.lock for the life of the process, so that two databases never
// serve one folder (each would cache its own view of the SQLite catalog). The file names the holder's pid and address:
// the launcher compares that pid with the one the database on its port reports before it adopts that database.
// A holder that is shutting down (its launcher just died) releases the lock within moments: wait for it that long.
func lockDataDir(dir, addr string, wait time.Duration) (*os.File, error) {
	path := filepath.Join(dir, "ferretdb.lock")
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, err
	}
	deadline := time.Now().Add(wait)
	for {
		err = syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
		if err == nil {
			break
		}
		if !errors.Is(err, syscall.EWOULDBLOCK) {
			f.Close()
			return nil, fmt.Errorf("cannot lock %s: %w", path, err)
		}
		if time.Now().After(deadline) {
			holder, _ := os.ReadFile(path)
			f.Close()
			return nil, fmt.Errorf("data folder %s is in use by another embedded database %s", dir, strings.TrimSpace(string(holder)))
		}
		time.Sleep(100 * time.Millisecond)
	}
	holder := fmt.Sprintf("{\"pid\":%d,\"listen\":%q}\n", os.Getpid(), addr)
	if err := f.Truncate(0); err != nil {
		f.Close()
		return nil, err
	}
	if _, err := f.WriteAt([]byte(holder), 0); err != nil {
		f.Close()
		return nil, err
	}
	return f, nil
}

// releaseDataDir empties the lock file before the lock goes, so that it never names a process that has ended cleanly.
func releaseDataDir(f *os.File) {
	_ = f.Truncate(0)
	_ = f.Close()
}

// stopWhenStdinCloses cancels the context once standard input reaches its end. The launcher passes a pipe it never
// writes to; the kernel closes it when the launcher exits in any way, kill -9 included, so the database never outlives
// the process that supervises it.
func stopWhenStdinCloses(parent context.Context) context.Context {
	ctx, cancel := context.WithCancel(parent)
	go func() {
		_, _ = io.Copy(io.Discard, os.Stdin)
		if parent.Err() == nil {
			fmt.Fprintln(os.Stderr, "ferretdb: the launching process is gone; stopping")
		}
		cancel()
	}()
	return ctx
}
