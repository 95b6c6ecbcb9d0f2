//! The relocatable object links with a real ARM linker (`arm-none-eabi-ld`, Debian's
//! binutils-arm-none-eabi) and, linked at the image's addresses, gives byte for byte the image's
//! code and data: the linker, not our own code, resolves every MOVW/MOVT and table relocation.

use object::{Object, ObjectSection};
use std::path::PathBuf;
use std::process::Command;
use wasm2thumb::{compile, CompileOptions, DATA_BASE, MEMORY_BASE, TEXT_BASE};

const FIXTURES: [&str; 6] = ["call_indirect", "i64", "globals", "memory_access", "calls", "memory_pressure"];

fn temp(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("wasm2thumb-reloc-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(name)
}

#[test]
fn linked_object_equals_the_image() {
    let script = temp("link.ld");
    std::fs::write(
        &script,
        format!(
            "SECTIONS {{\n  .text {TEXT_BASE:#x} : {{ *(.text) }}\n  .data {DATA_BASE:#x} : {{ *(.data) }}\n  \
             .wasm_memory {MEMORY_BASE:#x} : {{ *(.wasm_memory) }}\n}}\n"
        ),
    )
    .unwrap();
    let mut total_relocations = 0;
    for name in FIXTURES {
        let text =
            std::fs::read_to_string(format!("{}/../corpus/{name}.wast", env!("CARGO_MANIFEST_DIR"))).unwrap();
        let module_text = text.split("\n(assert").next().unwrap();
        let wasm = wat::parse_str(module_text).unwrap();
        let module = compile(&wasm, &CompileOptions::default()).unwrap();
        assert!(module.declined.is_empty(), "{name}: {:?}", module.declined);
        let object = temp(&format!("{name}.o"));
        let linked = temp(&format!("{name}.elf"));
        std::fs::write(&object, module.to_object().unwrap()).unwrap();
        let out = Command::new("arm-none-eabi-ld")
            .args(["-T", script.to_str().unwrap(), "--entry", &format!("{:#x}", TEXT_BASE | 1), "-o"])
            .arg(&linked)
            .arg(&object)
            .output()
            .expect("arm-none-eabi-ld must be installed (scripts/setup.sh installs binutils-arm-none-eabi)");
        assert!(out.status.success(), "{name}: ld failed: {}", String::from_utf8_lossy(&out.stderr));
        let bytes = std::fs::read(&linked).unwrap();
        let elf = object::File::parse(&*bytes).unwrap();
        let section = |n: &str| elf.section_by_name(n).unwrap_or_else(|| panic!("{name}: no {n}"));
        assert_eq!(section(".text").address(), TEXT_BASE as u64);
        assert_eq!(
            section(".text").data().unwrap(),
            &module.text[..],
            "{name}: linked code differs from the image"
        );
        assert_eq!(
            section(".data").data().unwrap(),
            &module.data[..],
            "{name}: linked data differs from the image"
        );
        // The object really carries relocations (the image's bytes are not simply copied).
        let object_bytes = std::fs::read(&object).unwrap();
        let obj = object::File::parse(&*object_bytes).unwrap();
        let relocations = obj.section_by_name(".text").unwrap().relocations().count();
        assert_eq!(relocations, 2 * module.data_addresses.len(), "{name}");
        total_relocations += relocations;
        for symbol in module.functions.iter().filter(|f| f.exported) {
            let s =
                elf.symbols().find(|s| object::ObjectSymbol::name(s) == Ok(symbol.name.as_str())).unwrap();
            assert_eq!(
                object::ObjectSymbol::address(&s),
                (symbol.addr | 1) as u64,
                "{name}: {}",
                symbol.name
            );
        }
    }
    assert!(total_relocations > 20, "the fixtures load data addresses: {total_relocations} relocations");
}
