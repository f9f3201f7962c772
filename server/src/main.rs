//! Wiring only: configuration → pool → migrations → router → serve. Subcommands
//! (`create-admin`, `demo-data`) run against the same configuration.

use app::server::cli::{self, Command};
use app::server::delivery::{self, Transport};
use app::server::{imports, sealing, search_backlog};
use app::server::{router, AppState, Config, Db};
use leptos::prelude::get_configuration;
use std::process::ExitCode;
use std::sync::Arc;

/// mimalloc, not glibc's allocator: an import of 500,000 rows allocates millions of small
/// strings while it reads and checks the rows and frees most of them before the write, and
/// glibc's heap stayed fragmented by them (the freed holes sit between the plan's live rows, so
/// neither reuse by the write's threads nor `malloc_trim` gave them back). mimalloc keeps each
/// size in pages of its own and returns emptied pages: the server's heap during the 500,000-row
/// browser test peaked at 422–436 MB instead of about 600 (README, issue 13).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> ExitCode {
    // A subcommand's standard output is its answer (create-api-token prints only the token),
    // so its log goes to standard error; the server logs to standard output.
    let serving = matches!(std::env::args().nth(1).as_deref(), None | Some("serve"));
    let logs = tracing_subscriber::fmt().with_env_filter(
        tracing_subscriber::EnvFilter::try_from_default_env()
            .unwrap_or_else(|_| "info,sqlx=warn,tower_http=info".into()),
    );
    if serving {
        logs.init();
    } else {
        logs.with_writer(std::io::stderr).init();
    }
    match run().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            tracing::error!("{message}");
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}

async fn run() -> Result<(), String> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let command = Command::parse(&args).map_err(|e| format!("{e}\n{}", cli::USAGE))?;
    if command == Command::Help {
        println!("{}", cli::USAGE);
        return Ok(());
    }
    // Subcommands need only the database; serving also needs cargo-leptos's site settings.
    let leptos_options = match command {
        Command::Serve => Some(
            get_configuration(None)
                .map_err(|e| e.to_string())?
                .leptos_options,
        ),
        _ => None,
    };
    let site_addr = leptos_options
        .as_ref()
        .map(|o| o.site_addr)
        .unwrap_or(([127, 0, 0, 1], 3000).into());
    let config = Config::from_env(site_addr)?;
    // The key that seals authenticator secrets: SECRET_KEY, or one generated beside the
    // embedded database on first run.
    let key = sealing::load_or_create(
        std::env::var("SECRET_KEY")
            .ok()
            .filter(|k| !k.trim().is_empty()),
        &sealing::default_key_file(&config.database_url),
        &config.public_base_url,
    )?;
    sealing::install(key);
    let db = Db::connect(&config.database_url)
        .await
        .map_err(|e| e.to_string())?;
    db.migrate().await.map_err(|e| e.to_string())?;
    match command {
        Command::CreateAdmin {
            email,
            first_name,
            last_name,
        } => {
            let password = std::env::var("ADMIN_PASSWORD")
                .ok()
                .filter(|p| !p.is_empty());
            match cli::create_admin(&db, &email, &first_name, &last_name, password).await? {
                Some(generated) => {
                    println!("Created administrator {email}. Password (shown once): {generated}")
                }
                None => println!("Created administrator {email}."),
            }
        }
        Command::DemoData => {
            let added = cli::demo_data(&db).await?;
            println!("Demo data ready ({added} users added).");
        }
        Command::CreateApiToken { email, name, days } => {
            let token = cli::create_api_token(&db, &email, &name, days).await?;
            // Only the token on standard output, so a script can capture it.
            println!("{token}");
        }
        Command::Serve | Command::Help => {
            let Some(leptos_options) = leptos_options else {
                return Ok(());
            };
            if !cli::any_admin_exists(&db)
                .await
                .map_err(|e| e.to_string())?
            {
                tracing::warn!(
                    "no administrator yet: create one with `bash scripts/app.sh create-admin --email you@example.com`"
                );
            }
            let addr = config.bind_addr.unwrap_or(site_addr);
            let transport = Transport::from_config(config.smtp.as_ref())?;
            match &config.smtp {
                Some(smtp) => {
                    tracing::info!(host = %smtp.host, port = smtp.port, "email goes out through SMTP")
                }
                None => tracing::info!(
                    "no SMTP_HOST: email goes to the local mailbox (Administration → Mailbox)"
                ),
            }
            let sender = delivery::spawn(
                db.clone(),
                transport,
                std::time::Duration::from_secs(config.mail_poll_seconds),
            );
            // SQLite indexes an import's users for search after it commits.
            let indexer = search_backlog::spawn(db.clone(), std::time::Duration::from_secs(1));
            let runner = imports::runner::spawn(
                db.clone(),
                imports::runner::RunnerSettings::from_config(&config, &db),
            );
            let limits = config.limits;
            let state = AppState {
                leptos_options,
                db: db.clone(),
                config: Arc::new(config),
            };
            let app = router::build(state);
            let listener = tokio::net::TcpListener::bind(addr)
                .await
                .map_err(|e| format!("could not listen on {addr}: {e}"))?;
            tracing::info!("listening on http://{addr}");
            app::server::listener::serve(listener, app, limits, shutdown_signal()).await;
            sender.stop().await;
            runner.stop().await;
            indexer.stop().await;
            db.close().await;
            tracing::info!("stopped");
        }
    }
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        if let Ok(mut signal) =
            tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            signal.recv().await;
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = terminate => {},
    }
}
