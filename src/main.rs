//! bedrock-lens binary: parse arguments, run the command, map the outcome to an exit code
//! (0 ok, 1 some input or work failed, 2 usage error).

use std::process::ExitCode;

use bedrock_lens::cli::{Cli, Command};
use bedrock_lens::commands;
use bedrock_lens::error::{Outcome, UsageError};
use bedrock_lens::settings::{with_snapshot_profiles, Env};
use clap::Parser;

fn run(cli: Cli) -> anyhow::Result<Outcome> {
    match &cli.command {
        Command::Pricing(c) => commands::pricing::cmd(&cli.global, c),
        Command::Report(a) => {
            let g = with_snapshot_profiles(&cli.global, a.input.snapshot.as_deref());
            commands::report::cmd(&Env::load(&g)?, a)
        }
        Command::Demo(a) => commands::demo::cmd(&Env::load(&cli.global)?, a),
        Command::Whatif(a) => {
            let g = with_snapshot_profiles(&cli.global, a.input.snapshot.as_deref());
            commands::whatif::cmd(&Env::load(&g)?, a)
        }
        Command::Collect(c) => {
            // Collecting into a snapshot that holds inference profiles prices with them.
            let out = commands::collect::out_of(c);
            let g = with_snapshot_profiles(&cli.global, out);
            commands::collect::cmd(&Env::load(&g)?, c)
        }
        Command::IamPolicy(a) => commands::iam_policy::cmd(a),
        Command::Athena(c) => commands::athena::cmd(&Env::load(&cli.global)?, c),
        Command::Discover(a) => commands::discover::cmd(&Env::load(&cli.global)?, a),
        Command::Plan(a) => {
            let g = with_snapshot_profiles(&cli.global, a.snapshot.as_deref());
            commands::plan::cmd(&Env::load(&g)?, a)
        }
        Command::Reconcile(a) => {
            let g = with_snapshot_profiles(&cli.global, Some(&a.snapshot));
            commands::reconcile::cmd(&Env::load(&g)?, a)
        }
        Command::Review(a) => {
            let g = with_snapshot_profiles(&cli.global, a.snapshot.as_deref());
            commands::review::cmd(&Env::load(&g)?, a)
        }
        Command::Dashboard(a) => {
            let g = with_snapshot_profiles(&cli.global, a.snapshot.as_deref());
            commands::dashboard::cmd(&Env::load(&g)?, a)
        }
    }
}

fn main() -> ExitCode {
    // A reader that closes the pipe early (`| head`) ends the process quietly, as for any Unix
    // filter, rather than a panic on the next write.
    #[cfg(unix)]
    // SAFETY: resetting one signal's disposition before any thread is started.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            use clap::error::ErrorKind;
            if matches!(e.kind(), ErrorKind::DisplayHelp | ErrorKind::DisplayVersion) {
                e.exit();
            }
            // clap's message, then the hint every usage error carries.
            let _ = e.print();
            let hint = match e.kind() {
                ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => {
                    "name a command (above); `bedrock-lens demo` shows what the tool does on a sample month"
                }
                _ => "every flag, with examples, is in `bedrock-lens <command> --help`",
            };
            eprintln!("hint: {hint}");
            return ExitCode::from(2);
        }
    };
    match run(cli) {
        Ok(Outcome::Ok) => ExitCode::SUCCESS,
        Ok(Outcome::Partial) => ExitCode::from(1),
        Err(e) => {
            eprintln!("error: {e}");
            for cause in e.chain().skip(1) {
                eprintln!("  caused by: {cause}");
            }
            match e.downcast_ref::<UsageError>() {
                Some(u) => {
                    if let Some(h) = &u.hint {
                        eprintln!("hint: {h}");
                    }
                    ExitCode::from(2)
                }
                None => ExitCode::from(1),
            }
        }
    }
}
