//! The `kinderen-eerst` command: serve the API (the default), migrate, print the OpenAPI
//! document, manage users.

use std::io::Read;
use std::net::TcpListener;
use std::path::PathBuf;

use anyhow::Context;
use clap::{Parser, Subcommand};
use kinderen_eerst::config::{DatabaseArgs, ServeArgs};
use kinderen_eerst::domain::Role;
use kinderen_eerst::{db, openapi, startup};

/// jemalloc serves every allocation, the C libraries' too (see Cargo.toml). Every password
/// check allocates argon2's 19 MiB: jemalloc serves blocks that large from an arena of their
/// own that gives the memory back as soon as it is freed, so a login load does not leave it
/// resident in per-thread arenas (glibc's malloc did: 115 MiB to 395 MiB in a 30 s soak, until
/// its mmap threshold was fixed).
#[cfg(all(target_os = "linux", not(target_env = "musl")))]
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

/// jemalloc's options, read before `main`; `MALLOC_CONF` in the environment is applied after
/// them. One arena, not four per core: the server's peak RSS under the benchmark's audited reads
/// was 66–71 MiB with one, 83–85 MiB with two and 99–106 MiB with jemalloc's default eight on
/// two cores (glibc's malloc: 84–99), at the same requests per second.
#[cfg(all(target_os = "linux", not(target_env = "musl")))]
#[unsafe(export_name = "malloc_conf")]
static MALLOC_CONF: &u8 = &b"narenas:1\0"[0];

#[derive(Parser)]
#[command(
    name = "kinderen-eerst",
    version,
    about = "The Kinderen Eerst API server",
    args_conflicts_with_subcommands = true
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    #[command(flatten)]
    serve: ServeArgs,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the API (the default when no command is given).
    Serve(Box<ServeArgs>),
    /// Apply pending database migrations and exit.
    Migrate(DatabaseArgs),
    /// Print the OpenAPI document (or write it to a file).
    Openapi {
        #[arg(long, short)]
        output: Option<PathBuf>,
    },
    /// Fill an empty database with realistic, reproducible demo and scale data.
    DemoData(DemoArgs),
    /// Manage user accounts.
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
    /// Database maintenance.
    Db {
        #[command(subcommand)]
        command: DbCommand,
    },
    /// Take a consistent copy of the SQLite database while the service runs, and check it.
    Backup {
        /// The file to write (must not exist).
        #[arg(long)]
        to: PathBuf,
        #[command(flatten)]
        db: DatabaseArgs,
    },
    /// Put an SQLite backup in place of the database (`DATABASE_URL`), after checking it.
    Restore {
        /// The backup file.
        #[arg(long)]
        from: PathBuf,
        /// Replace a database that is there already (the service must be stopped).
        #[arg(long)]
        force: bool,
        #[command(flatten)]
        db: DatabaseArgs,
    },
    /// Erase the personal data of cases closed longer than the retention period.
    Retention {
        #[command(subcommand)]
        command: RetentionCommand,
    },
}

#[derive(clap::Args)]
struct DemoArgs {
    /// Number of schools (networks are added beyond the seeded seven, ~15 schools each).
    #[arg(long, default_value_t = 30)]
    schools: usize,
    /// Number of cases, spread over `--years` up to `--until`.
    #[arg(long, default_value_t = 1000)]
    cases: usize,
    /// Seed of the random generator: the same seed, sizes and day give the same data.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Years of history.
    #[arg(long, default_value_t = 5)]
    years: u32,
    /// Last day of the history (YYYY-MM-DD; default today).
    #[arg(long)]
    until: Option<chrono::NaiveDate>,
    /// Password of every generated account (default: a random one, printed once).
    #[arg(long, env = "DEMO_PASSWORD", hide_env_values = true)]
    password: Option<String>,
    /// Rows per write transaction.
    #[arg(long, default_value_t = 20_000)]
    batch_rows: usize,
    #[command(flatten)]
    db: DatabaseArgs,
}

#[derive(Subcommand)]
enum DbCommand {
    /// Check a database (either backend): SQLite's integrity_check, the audit chain, the rows
    /// of every table. Nothing is migrated.
    Check {
        #[command(flatten)]
        db: DatabaseArgs,
    },
    /// Copy everything from an SQLite database into an empty PostgreSQL database, in one
    /// transaction, checking row counts and the audit chain before committing.
    Copy {
        /// The SQLite database file.
        #[arg(long)]
        from: String,
        /// The PostgreSQL URL (`postgres://…`); the database must exist and be empty.
        #[arg(long)]
        to: String,
    },
}

#[derive(Subcommand)]
enum RetentionCommand {
    /// Run one retention pass now (the service also runs one daily).
    Run {
        /// Only report what would be erased.
        #[arg(long)]
        dry_run: bool,
        /// Months after closing before a case's personal data is erased.
        #[arg(long, env = "RETENTION_MONTHS", default_value_t = 24)]
        months: u32,
        /// PostgreSQL: rewrite the erased tables (`VACUUM FULL`, locks each while it runs) or
        /// only vacuum them (`false`).
        #[arg(long, env = "RETENTION_REWRITE_TABLES", default_value_t = true, action = clap::ArgAction::Set)]
        rewrite_tables: bool,
        #[command(flatten)]
        db: DatabaseArgs,
    },
}

#[derive(Subcommand)]
enum UserCommand {
    /// Create a user; the password is read from standard input.
    Create {
        #[arg(long)]
        email: String,
        #[arg(long, value_parser = |s: &str| s.parse::<Role>())]
        role: Role,
        /// The school id (UUID), for `school` accounts.
        #[arg(long)]
        school: Option<String>,
        /// The partner organisation id (UUID), for `partner` accounts.
        #[arg(long)]
        partner: Option<String>,
        /// Display name.
        #[arg(long)]
        name: String,
        #[command(flatten)]
        db: DatabaseArgs,
    },
}

fn main() -> anyhow::Result<()> {
    match kinderen_eerst::logging::Format::from_env() {
        Ok(format) => kinderen_eerst::logging::init(format),
        Err(why) => {
            eprintln!("{why}");
            std::process::exit(2);
        }
    }
    let cli = Cli::parse();
    match cli.command {
        None => serve(cli.serve),
        Some(Command::Serve(args)) => serve(*args),
        Some(Command::Migrate(args)) => {
            let applied = db::migrate(&args.options())?;
            println!("applied {} migration(s)", applied.len());
            for m in applied {
                println!("  {m}");
            }
            Ok(())
        }
        Some(Command::Db {
            command: DbCommand::Check { db: dbargs },
        }) => {
            let report = kinderen_eerst::backup::check(&dbargs.options(), |line| {
                eprintln!("check: {line}")
            })?;
            print_check(&report);
            Ok(())
        }
        Some(Command::Backup { to, db: dbargs }) => {
            let report = kinderen_eerst::backup::backup(&dbargs.options(), &to, |line: &str| {
                eprintln!("backup: {line}")
            })?;
            println!(
                "backup written to {} ({:.1} MiB in {:.1} s); the service's audit chain was at event {} when it began",
                report.file.display(),
                report.bytes as f64 / (1024.0 * 1024.0),
                report.elapsed.as_secs_f64(),
                report.source_audit_events
            );
            print_check(&report.check);
            let key = std::env::var("AUDIT_SIGNING_KEY_FILE")
                .unwrap_or_else(|_| format!("{}.audit-key.pem", dbargs.database_url));
            println!(
                "note: the audit signing key ({key}) is not in the backup; keep a copy of it \
                 apart from the database's backups"
            );
            Ok(())
        }
        Some(Command::Restore {
            from,
            force,
            db: dbargs,
        }) => {
            let opts = dbargs.options();
            let report = kinderen_eerst::backup::restore(&opts, &from, force, |line| {
                eprintln!("restore: {line}")
            })?;
            println!(
                "restored {} to {}{}",
                from.display(),
                report.file.display(),
                if report.replaced {
                    " (the database there was replaced)"
                } else {
                    ""
                }
            );
            print_check(&report.check);
            let key = format!("{}.audit-key.pem", report.file.display());
            if std::env::var_os("AUDIT_SIGNING_KEY_FILE").is_none()
                && !std::path::Path::new(&key).exists()
            {
                println!(
                    "note: {key} does not exist: put the audit signing key that was backed up                      with the database there (or set AUDIT_SIGNING_KEY_FILE), or the service                      makes a new one and the earlier checkpoints are no longer its own"
                );
            }
            Ok(())
        }
        Some(Command::Db {
            command: DbCommand::Copy { from, to },
        }) => {
            let report = kinderen_eerst::copy::copy(&from, &to, |table, rows| {
                eprintln!("{table}: {rows} row(s)");
            })?;
            let rows: i64 = report.tables.iter().map(|(_, n)| n).sum();
            println!(
                "copied {rows} row(s) in {} table(s); row counts match; audit chain intact ({} event(s))",
                report.tables.len(),
                report.audit_events
            );
            Ok(())
        }
        Some(Command::Retention {
            command:
                RetentionCommand::Run {
                    dry_run,
                    months,
                    rewrite_tables,
                    db: dbargs,
                },
        }) => retention(dry_run, months, rewrite_tables, dbargs),
        Some(Command::DemoData(args)) => demo_data(args),
        Some(Command::Openapi { output }) => {
            let json = openapi::document_json();
            match output {
                Some(path) => std::fs::write(&path, json)
                    .with_context(|| format!("cannot write {}", path.display())),
                None => {
                    print!("{json}");
                    Ok(())
                }
            }
        }
        Some(Command::User {
            command:
                UserCommand::Create {
                    email,
                    role,
                    school,
                    partner,
                    name,
                    db: dbargs,
                },
        }) => {
            let mut password = String::new();
            std::io::stdin()
                .read_to_string(&mut password)
                .context("cannot read the password from stdin")?;
            let password = password.trim_end_matches(['\r', '\n']).to_string();
            let opts = dbargs.options();
            db::migrate(&opts)?;
            let mut conn = db::establish(&opts)
                .map_err(|e| anyhow::anyhow!("cannot open the database: {e}"))?;
            let input = kinderen_eerst::usecases::users::CreateUser {
                email,
                display_name: name,
                role,
                school_id: school,
                partner_id: partner,
                password,
                // Typed by the operator at the database's console, who can do anything there
                // anyway: typically their own account, or a coordinator to start with.
                one_time_password: false,
            };
            match kinderen_eerst::usecases::users::create(&mut conn, input) {
                Ok(row) => {
                    println!("created {} {} ({})", row.role, row.email, row.id);
                    Ok(())
                }
                Err(e) => {
                    let p = e.to_problem();
                    let fields: Vec<String> = p
                        .errors
                        .unwrap_or_default()
                        .into_iter()
                        .map(|f| format!("{}: {}", f.field, f.message))
                        .collect();
                    anyhow::bail!(
                        "{}{}",
                        p.detail,
                        if fields.is_empty() {
                            String::new()
                        } else {
                            format!(" ({})", fields.join("; "))
                        }
                    )
                }
            }
        }
    }
}

/// The result of a check, on standard output.
fn print_check(report: &kinderen_eerst::backup::CheckReport) {
    if report.integrity_ok == Some(true) {
        println!("integrity_check: ok");
    }
    println!(
        "audit chain: intact, {} event(s) verified",
        report.audit_events
    );
    if report.pending_migrations > 0 {
        println!(
            "migrations: {} pending (applied when the service starts on it)",
            report.pending_migrations
        );
    }
    for (table, rows) in &report.tables {
        println!("  {table}: {rows}");
    }
}

fn demo_data(args: DemoArgs) -> anyhow::Result<()> {
    let password = args
        .password
        .clone()
        .unwrap_or_else(kinderen_eerst::auth::password::generate);
    if password.chars().count() < 12 {
        anyhow::bail!("--password must be at least 12 characters long");
    }
    let options = kinderen_eerst::demo::Options {
        schools: args.schools,
        cases: args.cases,
        seed: args.seed,
        years: args.years,
        until: args
            .until
            .unwrap_or_else(|| chrono::Utc::now().date_naive()),
        password: password.clone(),
        batch_rows: args.batch_rows.max(100),
    };
    let s = kinderen_eerst::demo::generate(&args.db.options(), &options, &mut |p| {
        eprintln!("demo-data: {p}")
    })?;
    let secs = s.elapsed.as_secs_f64();
    eprintln!(
        "demo-data: {} cases, {} rows ({} audit events) in {secs:.1} s, {:.0} rows/s",
        s.cases,
        s.rows,
        s.audit_events,
        s.rows as f64 / secs.max(0.001)
    );
    println!("coordinator    {}", s.coordinator);
    println!("social_worker  {}", s.worker);
    println!("school         {}", s.school);
    if args.password.is_some() {
        println!("password       (the one you gave)");
    } else {
        println!("password       {password}   (every generated account; shown once)");
    }
    Ok(())
}

fn retention(
    dry_run: bool,
    months: u32,
    rewrite_tables: bool,
    dbargs: DatabaseArgs,
) -> anyhow::Result<()> {
    let opts = dbargs.options();
    db::migrate(&opts)?;
    let database = db::Db::new(&opts);
    let rewrite = kinderen_eerst::retention::Rewrite::from_setting(rewrite_tables);
    let report =
        kinderen_eerst::retention::run(&database, months, dry_run, rewrite, |done, total| {
            eprintln!(
                "{} {done}/{total} case(s)",
                if dry_run { "found" } else { "erased" }
            );
        })
        .map_err(|e| anyhow::anyhow!("retention failed: {}", e.to_problem().detail))?;
    let verb = if dry_run { "would erase" } else { "erased" };
    println!(
        "{verb} the personal data of {} case(s) closed before {} ({months} months)",
        report.erased.len(),
        report.cutoff.format("%Y-%m-%d")
    );
    if !dry_run {
        println!(
            "erased {} checklist submission(s) that never became a case",
            report.submissions_erased
        );
    }
    for d in &report.erased {
        println!(
            "  {} closed {}",
            d.reference,
            d.closed_at.format("%Y-%m-%d")
        );
    }
    Ok(())
}

fn serve(args: ServeArgs) -> anyhow::Result<()> {
    let opts = args.db.options();
    log::info!(
        "database: {} ({})",
        opts.backend().name(),
        redact(&opts.url)
    );
    let state = startup::prepare(&opts, args.settings)?;
    if state.settings.retention_job {
        kinderen_eerst::retention::spawn_daily(
            state.db.clone(),
            state.settings.retention_months,
            kinderen_eerst::retention::Rewrite::from_setting(
                state.settings.retention_rewrite_tables,
            ),
        );
    }
    let listener =
        TcpListener::bind(&args.bind).with_context(|| format!("cannot listen on {}", args.bind))?;
    let addr = listener.local_addr()?;
    actix_web::rt::System::new().block_on(async move {
        let server = startup::build_server(state, listener, args.workers)?;
        log::info!("listening on http://{addr} (API docs at http://{addr}/docs/)");
        server.await
    })?;
    log::info!("stopped");
    Ok(())
}

/// The URL without its password, for the log.
fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(s), Some(at)) if at > s => {
            let creds = &url[s + 3..at];
            match creds.split_once(':') {
                Some((user, _)) => format!("{}{}:***{}", &url[..s + 3], user, &url[at..]),
                None => url.to_string(),
            }
        }
        _ => url.to_string(),
    }
}
