//! `govup restore DIR`: put back a backup that `govup apply --backup` wrote.

use crate::access::Access;
use crate::apply_cmd::apply_failure;
use crate::cli::RestoreArgs;
use crate::{connect, target};
use govup_engine::backup::restore_by_hand;
use govup_engine::Connections;

pub fn run(args: &RestoreArgs) -> anyhow::Result<()> {
    let inst = target::resolve(args.url.as_deref(), args.schema_map.as_ref(), None, &[])?;
    let access = Access::new(&args.access, Some(&inst.map))?;
    let mut conns = Connections::open(
        &inst.url,
        &inst.map,
        &mut access.connector(connect::Kind::Create),
    )
    .map_err(apply_failure)?;
    let set = restore_by_hand(&mut conns, &args.dir).map_err(apply_failure)?;
    outln!(
        "restored {} schema(s) of {} to version {} from {}",
        set.entries.len(),
        conns.main().driver.describe(),
        set.version,
        set.dir.display()
    );
    Ok(())
}
