//! `govup completions` and `govup man`: generated from the clap definitions, so they must name
//! every verb the binary has.

use crate::support::govup;

/// The verbs `govup --help` lists, `help` aside.
fn verbs() -> Vec<String> {
    let help = govup(&["--help"]);
    assert_eq!(help.code, 0, "{}", help.stderr);
    let verbs: Vec<String> = help
        .stdout
        .lines()
        .skip_while(|l| *l != "Commands:")
        .skip(1)
        .take_while(|l| !l.is_empty())
        .filter_map(|l| l.split_whitespace().next())
        .filter(|v| *v != "help")
        .map(str::to_string)
        .collect();
    for known in ["plan", "apply", "status", "lint", "completions", "man"] {
        assert!(verbs.iter().any(|v| v == known), "{known} in {verbs:?}");
    }
    verbs
}

#[test]
fn completions_for_every_shell_name_every_verb() {
    let verbs = verbs();
    for (shell, marker) in [
        ("bash", "complete -F _govup"),
        ("zsh", "#compdef govup"),
        ("fish", "complete -c govup"),
        (
            "powershell",
            "Register-ArgumentCompleter -Native -CommandName 'govup'",
        ),
        ("elvish", "set edit:completion:arg-completer[govup]"),
    ] {
        let run = govup(&["completions", shell]);
        assert_eq!(run.code, 0, "{shell}: {}", run.stderr);
        assert_eq!(run.stderr, "", "{shell}");
        assert!(run.stdout.contains(marker), "{shell}: no `{marker}`");
        for verb in &verbs {
            assert!(run.stdout.contains(verb.as_str()), "{shell}: no `{verb}`");
        }
        // fish spells a long flag `-l dry-run`.
        assert!(run.stdout.contains("dry-run"), "{shell}: no apply flags");
    }
}

#[test]
fn completions_for_an_unknown_shell_are_bad_usage() {
    let run = govup(&["completions", "tcsh"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(
        run.stderr.contains("invalid value 'tcsh'"),
        "{}",
        run.stderr
    );
    assert_eq!(run.stdout, "");
}

#[test]
fn man_writes_one_page_per_verb_into_a_new_directory() {
    let dir = govup_testkit::scratch_dir("man-pages").join("share/man/man1");
    let run = govup(&["man", &dir.display().to_string()]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let mut pages: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    pages.sort();
    let mut wanted: Vec<String> = verbs().iter().map(|v| format!("govup-{v}.1")).collect();
    wanted.push("govup.1".into());
    wanted.sort();
    assert_eq!(pages, wanted);
    let apply = std::fs::read_to_string(dir.join("govup-apply.1")).unwrap();
    let version = env!("CARGO_PKG_VERSION");
    assert!(
        apply.contains(&format!(
            "\n.TH govup-apply 1  \"govup {version}\" \"govup manual\"\n"
        )),
        "{apply}"
    );
    assert!(apply.contains("\\-\\-dry\\-run"), "{apply}");
}

#[test]
fn man_into_a_regular_file_fails_naming_it() {
    let file = govup_testkit::scratch_dir("man-file").join("pages");
    std::fs::write(&file, "not a directory").unwrap();
    let run = govup(&["man", &file.display().to_string()]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(
        run.stderr.starts_with(&format!(
            "error: cannot write the man pages into {}: ",
            file.display()
        )),
        "{}",
        run.stderr
    );
}
