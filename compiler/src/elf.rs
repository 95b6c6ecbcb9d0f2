//! ELF32 ARM EABI5 executable image: a `PT_LOAD` segment holding `.text` at `TEXT_BASE`, one
//! holding `.data` (memory size word, globals) at `DATA_BASE`, one for linear memory at
//! `MEMORY_BASE` (the data segments as file contents, the maximum size as memory size, zero
//! beyond), a global `STT_FUNC` symbol per exported function (address with the Thumb bit set), a
//! global `STT_OBJECT` symbol per exported global and for an exported memory, and a `$t` mapping
//! symbol marking the start of Thumb code, so `llvm-objdump -d` disassembles it as Thumb.

use crate::{CompiledModule, Cpu};
use object::elf;
use object::write::elf::{FileHeader, ProgramHeader, SectionHeader, Sym, Writer};
use object::Endianness;

pub fn write_image(module: &CompiledModule) -> Vec<u8> {
    let mut buf = Vec::new();
    let mut w = Writer::new(Endianness::Little, false, &mut buf);
    // Section indices first (they fix no file offsets), then the file layout in write order.
    let text_name = w.add_section_name(b".text");
    let text_index = w.reserve_section_index();
    let data_name = w.add_section_name(b".data");
    let data_index = w.reserve_section_index();
    // Linear memory: the initial image up to the end of the last data segment.
    let memory = module.memory.as_ref().filter(|m| m.max_pages > 0);
    let memory_image = memory.map(initial_memory).unwrap_or_default();
    let memory_bytes = memory.map_or(0, |m| m.max_pages as u64 * crate::PAGE_BYTES as u64);
    let memory_name = memory.map(|_| w.add_section_name(b".wasm_memory"));
    let memory_index = memory.map(|_| w.reserve_section_index());
    let attributes = arm_attributes(module.cpu);
    let attributes_name = w.add_section_name(b".ARM.attributes");
    w.reserve_section_index();
    w.reserve_symtab_section_index();
    w.reserve_strtab_section_index();
    w.reserve_shstrtab_section_index();
    w.reserve_file_header();
    w.reserve_program_headers(2 + memory.is_some() as u32);
    let text_offset = w.reserve(module.text.len() as u64, 4);
    let data_offset = w.reserve(module.data.len() as u64, 4);
    let memory_offset = w.reserve(memory_image.len() as u64, 4);
    let attributes_offset = w.reserve(attributes.len() as u64, 1);

    let names: Vec<Vec<u8>> =
        module
            .functions
            .iter()
            .map(|f| {
                if f.exported {
                    symbol_name(&f.name)
                } else {
                    format!("__wasm_func_{}", f.index).into_bytes()
                }
            })
            .collect();
    w.reserve_null_symbol_index();
    let mapping_name = w.add_string(b"$t");
    w.reserve_symbol_index(Some(text_index));
    // Local symbols (the mapping symbol, non-exported functions) must precede global ones.
    let mut order: Vec<usize> = (0..module.functions.len()).collect();
    order.sort_by_key(|i| module.functions[*i].exported);
    let string_ids: Vec<_> = order.iter().map(|i| w.add_string(&names[*i])).collect();
    for _ in &order {
        w.reserve_symbol_index(Some(text_index));
    }
    let exported_globals: Vec<(u32, Vec<u8>, u64)> = module
        .globals
        .iter()
        .filter_map(|g| Some((g.index, symbol_name(g.export.as_ref()?), 4 * g.ty.words() as u64)))
        .collect();
    let global_ids: Vec<_> = exported_globals.iter().map(|(_, n, _)| w.add_string(n)).collect();
    for _ in &exported_globals {
        w.reserve_symbol_index(Some(data_index));
    }
    let memory_name_bytes = memory.and_then(|m| m.export.as_deref()).map(symbol_name);
    let memory_symbol = memory_name_bytes.as_deref().map(|name| w.add_string(name));
    if memory_symbol.is_some() {
        w.reserve_symbol_index(memory_index);
    }
    let num_local = 2 + order.iter().filter(|i| !module.functions[**i].exported).count() as u32;
    w.reserve_symtab();
    w.reserve_strtab().expect("string table fits");
    w.reserve_shstrtab().expect("section name table fits");
    w.reserve_section_headers();

    let entry = module.functions.first().map_or(module.text_addr, |f| f.addr | 1);
    w.write_file_header(&FileHeader {
        os_abi: elf::ELFOSABI_NONE,
        abi_version: 0,
        e_type: elf::ET_EXEC,
        e_machine: elf::EM_ARM,
        e_entry: entry as u64,
        e_flags: elf::EF_ARM_EABI_VER5,
    })
    .expect("writing to a Vec cannot fail");
    w.write_align_program_headers();
    w.write_program_header(&ProgramHeader {
        p_type: elf::PT_LOAD,
        p_flags: elf::PF_R | elf::PF_X,
        p_offset: text_offset,
        p_vaddr: module.text_addr as u64,
        p_paddr: module.text_addr as u64,
        p_filesz: module.text.len() as u64,
        p_memsz: module.text.len() as u64,
        p_align: 4,
    });
    w.write_program_header(&ProgramHeader {
        p_type: elf::PT_LOAD,
        p_flags: elf::PF_R | elf::PF_W,
        p_offset: data_offset,
        p_vaddr: module.data_addr as u64,
        p_paddr: module.data_addr as u64,
        p_filesz: module.data.len() as u64,
        p_memsz: module.data.len() as u64,
        p_align: 4,
    });
    if memory.is_some() {
        w.write_program_header(&ProgramHeader {
            p_type: elf::PT_LOAD,
            p_flags: elf::PF_R | elf::PF_W,
            p_offset: memory_offset,
            p_vaddr: crate::MEMORY_BASE as u64,
            p_paddr: crate::MEMORY_BASE as u64,
            p_filesz: memory_image.len() as u64,
            p_memsz: memory_bytes,
            p_align: 4,
        });
    }
    w.write_align(4);
    w.write(&module.text);
    w.write_align(4);
    w.write(&module.data);
    w.write_align(4);
    w.write(&memory_image);
    w.write(&attributes);

    w.write_null_symbol();
    let local = |t| elf::SymbolInfo::new(elf::STB_LOCAL, t);
    w.write_symbol(&Sym {
        section: Some(text_index.0),
        st_name: w.string_offset(Some(mapping_name)),
        st_info: local(elf::STT_NOTYPE),
        st_other: elf::STV_DEFAULT.into(),
        st_shndx: elf::SymbolSection(0),
        st_value: module.text_addr as u64,
        st_size: 0,
    });
    for (k, i) in order.iter().enumerate() {
        let f = &module.functions[*i];
        let bind = if f.exported { elf::STB_GLOBAL } else { elf::STB_LOCAL };
        w.write_symbol(&Sym {
            section: Some(text_index.0),
            st_name: w.string_offset(Some(string_ids[k])),
            st_info: elf::SymbolInfo::new(bind, elf::STT_FUNC),
            st_other: elf::STV_DEFAULT.into(),
            st_shndx: elf::SymbolSection(0),
            st_value: (f.addr | 1) as u64,
            st_size: f.stats.code_bytes as u64,
        });
    }
    for ((index, _, size), id) in exported_globals.iter().zip(&global_ids) {
        w.write_symbol(&Sym {
            section: Some(data_index.0),
            st_name: w.string_offset(Some(*id)),
            st_info: elf::SymbolInfo::new(elf::STB_GLOBAL, elf::STT_OBJECT),
            st_other: elf::STV_DEFAULT.into(),
            st_shndx: elf::SymbolSection(0),
            st_value: crate::global_addr(*index) as u64,
            st_size: *size,
        });
    }
    if let (Some(id), Some(index)) = (memory_symbol, memory_index) {
        w.write_symbol(&Sym {
            section: Some(index.0),
            st_name: w.string_offset(Some(id)),
            st_info: elf::SymbolInfo::new(elf::STB_GLOBAL, elf::STT_OBJECT),
            st_other: elf::STV_DEFAULT.into(),
            st_shndx: elf::SymbolSection(0),
            st_value: crate::MEMORY_BASE as u64,
            st_size: memory_bytes,
        });
    }
    w.write_strtab();
    w.write_shstrtab();
    w.write_null_section_header();
    w.write_section_header(&SectionHeader {
        sh_name: w.section_name_offset(Some(text_name)),
        sh_type: elf::SHT_PROGBITS,
        sh_flags: elf::SHF_ALLOC | elf::SHF_EXECINSTR,
        sh_addr: module.text_addr as u64,
        sh_offset: text_offset,
        sh_size: module.text.len() as u64,
        sh_link: 0,
        sh_info: 0,
        sh_addralign: 4,
        sh_entsize: 0,
    });
    w.write_section_header(&SectionHeader {
        sh_name: w.section_name_offset(Some(data_name)),
        sh_type: elf::SHT_PROGBITS,
        sh_flags: elf::SHF_ALLOC | elf::SHF_WRITE,
        sh_addr: module.data_addr as u64,
        sh_offset: data_offset,
        sh_size: module.data.len() as u64,
        sh_link: 0,
        sh_info: 0,
        sh_addralign: 4,
        sh_entsize: 0,
    });
    if memory.is_some() {
        w.write_section_header(&SectionHeader {
            sh_name: w.section_name_offset(memory_name),
            sh_type: elf::SHT_PROGBITS,
            sh_flags: elf::SHF_ALLOC | elf::SHF_WRITE,
            sh_addr: crate::MEMORY_BASE as u64,
            sh_offset: memory_offset,
            sh_size: memory_image.len() as u64,
            sh_link: 0,
            sh_info: 0,
            sh_addralign: 4,
            sh_entsize: 0,
        });
    }
    w.write_section_header(&SectionHeader {
        sh_name: w.section_name_offset(Some(attributes_name)),
        sh_type: elf::SHT_ARM_ATTRIBUTES,
        sh_flags: elf::SectionFlags(0),
        sh_addr: 0,
        sh_offset: attributes_offset,
        sh_size: attributes.len() as u64,
        sh_link: 0,
        sh_info: 0,
        sh_addralign: 1,
        sh_entsize: 0,
    });
    w.write_symtab_section_header(num_local);
    w.write_strtab_section_header();
    w.write_shstrtab_section_header();
    buf
}

/// An export name as an ELF symbol name: WebAssembly names may contain NUL, ELF's may not
/// (each NUL becomes `\0`).
fn symbol_name(name: &str) -> Vec<u8> {
    name.replace('\0', "\\0").into_bytes()
}

/// Linear memory's initial contents, up to the end of the last data segment.
fn initial_memory(m: &crate::MemoryInfo) -> Vec<u8> {
    let len = m.data.iter().map(|(offset, bytes)| *offset as usize + bytes.len()).max().unwrap_or(0);
    let mut image = vec![0; len];
    for (offset, bytes) in &m.data {
        image[*offset as usize..*offset as usize + bytes.len()].copy_from_slice(bytes);
    }
    image
}

/// The `.ARM.attributes` section: the CPU, M profile, Thumb-2, the FPU and the float ABI.
/// Disassemblers read it to pick the instruction set (`llvm-objdump -d` needs no `--triple`,
/// and decodes exactly the float instructions the CPU's FPU has).
fn arm_attributes(cpu: Cpu) -> Vec<u8> {
    let (name, arch): (&[u8], u8) = match cpu {
        Cpu::CortexM3 => (b"cortex-m3", 10), // ARMv7-M
        Cpu::CortexM4 => (b"cortex-m4", 13), // ARMv7E-M
        Cpu::CortexM7 => (b"cortex-m7", 13),
    };
    // Tag_CPU_name, Tag_CPU_arch, Tag_CPU_arch_profile 'M', Tag_ARM_ISA_use none, Tag_THUMB_ISA_use Thumb-2.
    let mut tags = vec![5u8];
    tags.extend_from_slice(name);
    tags.push(0);
    tags.extend_from_slice(&[6, arch, 7, b'M', 8, 0, 9, 2]);
    // Tag_FP_arch: none, VFPv4-D16 (of which the M4's FPv4-SP has the single-precision half:
    // Tag_ABI_HardFP_use 1), ARMv8 FP D16 (the M7's FPv5). Tag_ABI_VFP_args: 1, floats in VFP
    // registers (AAPCS-VFP) where there is an FPU, base AAPCS on the M3 (see `abi::FloatAbi`).
    match cpu {
        Cpu::CortexM3 => tags.extend_from_slice(&[10, 0]),
        Cpu::CortexM4 => tags.extend_from_slice(&[10, 6, 27, 1, 28, 1]),
        Cpu::CortexM7 => tags.extend_from_slice(&[10, 8, 28, 1]),
    }
    let mut file = vec![1u8];
    file.extend_from_slice(&(5 + tags.len() as u32).to_le_bytes());
    file.extend_from_slice(&tags);
    let mut out = vec![b'A'];
    out.extend_from_slice(&(4 + 6 + file.len() as u32).to_le_bytes());
    out.extend_from_slice(b"aeabi\0");
    out.extend_from_slice(&file);
    out
}

/// The largest data-area offset a MOVW/MOVT relocation pair can carry: ARM relocations are REL
/// (the addend is the instruction's 16-bit immediate, sign-extended).
const MAX_RELOCATABLE_DATA: u32 = 0x8000;

/// ELF32 ARM EABI5 relocatable object (ET_REL) of the module, for a real linker:
/// - `.text`: the code. Each load of a data-area address is a MOVW/MOVT pair with
///   `R_ARM_THM_MOVW_ABS_NC` / `R_ARM_THM_MOVT_ABS` against `.data` (addend in the immediate).
///   Calls between functions and helpers are PC-relative inside `.text` and need none.
/// - `.data`: memory size word, globals, table; table entries carry `R_ARM_ABS32` against
///   `.text` (addend in place, Thumb bit set).
/// - `.wasm_memory`: linear memory's initial image. The code addresses linear memory
///   absolutely: the linker script must place this section at `MEMORY_BASE` (0x6000_0000) and
///   reserve the maximum size after it (symbol `__wasm_memory_max_bytes`, absolute).
///
/// Linked with `.text` at `TEXT_BASE` and `.data` at `DATA_BASE`, the result's bytes equal the
/// image's (`compiler/tests/relocatable.rs` checks this with `arm-none-eabi-ld`).
pub fn write_object(module: &CompiledModule) -> Result<Vec<u8>, crate::CompileError> {
    use object::write::{Object, Relocation, StandardSection, Symbol, SymbolSection};
    use object::{
        Architecture, BinaryFormat, RelocationFlags, SectionKind, SymbolFlags, SymbolKind, SymbolScope,
    };
    let fail = |what: String| crate::CompileError::Unsupported { function: "<module>".into(), what };
    if module.data.len() as u32 > MAX_RELOCATABLE_DATA {
        return Err(fail(format!(
            "relocatable output of a data area of {} bytes (at most {MAX_RELOCATABLE_DATA})",
            module.data.len()
        )));
    }
    let mut obj = Object::new(BinaryFormat::Elf, Architecture::Arm, Endianness::Little);
    obj.flags = object::write::FileFlags::Elf {
        os_abi: elf::OsAbi(0),
        abi_version: 0,
        e_flags: elf::EF_ARM_EABI_VER5,
    };

    // Code with addends instead of addresses in every MOVW/MOVT pair.
    let mut text = module.text.clone();
    for site in &module.data_addresses {
        let mut bytes = Vec::new();
        for inst in [
            crate::thumb::Inst::Movw { rd: site.rd, imm: site.offset as u16 },
            crate::thumb::Inst::Movt { rd: site.rd, imm: site.offset as u16 },
        ] {
            crate::thumb::encode(&inst, crate::thumb::ItState::Outside)
                .map_err(|e| fail(e.to_string()))?
                .write_to(&mut bytes);
        }
        let at = site.at as usize;
        text[at..at + 8].copy_from_slice(&bytes);
    }
    let text_id = obj.section_id(StandardSection::Text);
    obj.set_section_data(text_id, text, 4);
    let data_id = obj.add_section(Vec::new(), b".data".to_vec(), SectionKind::Data);
    let mut data = module.data.clone();
    let memory = module.memory.as_ref().filter(|m| m.max_pages > 0);
    let memory_id = memory.map(|m| {
        let id = obj.add_section(Vec::new(), b".wasm_memory".to_vec(), SectionKind::Data);
        obj.set_section_data(id, initial_memory(m), 4);
        id
    });
    let attributes_id = obj.add_section(Vec::new(), b".ARM.attributes".to_vec(), SectionKind::Metadata);
    obj.section_mut(attributes_id).flags =
        object::SectionFlags::Elf { sh_type: elf::SHT_ARM_ATTRIBUTES, sh_flags: elf::SectionFlags(0) };
    obj.set_section_data(attributes_id, arm_attributes(module.cpu), 1);

    let text_symbol = obj.section_symbol(text_id);
    let data_symbol = obj.section_symbol(data_id);
    let reloc = |r_type| RelocationFlags::Elf { r_type };
    for site in &module.data_addresses {
        for (k, r_type) in [elf::R_ARM_THM_MOVW_ABS_NC, elf::R_ARM_THM_MOVT_ABS].into_iter().enumerate() {
            obj.add_relocation(
                text_id,
                Relocation {
                    offset: site.at as u64 + 4 * k as u64,
                    symbol: data_symbol,
                    addend: 0,
                    flags: reloc(r_type),
                },
            )
            .map_err(|e| fail(e.to_string()))?;
        }
    }
    // Table entries: code addresses become `.text` offsets (with the Thumb bit) plus a relocation.
    if let Some(t) = &module.table {
        for i in 0..t.entries.len() {
            let at = (t.addr - crate::DATA_BASE) as usize + 8 * i;
            let addr = u32::from_le_bytes(data[at..at + 4].try_into().expect("4 bytes"));
            if addr == 0 {
                continue;
            }
            data[at..at + 4].copy_from_slice(&(addr - module.text_addr).to_le_bytes());
            obj.add_relocation(
                data_id,
                Relocation {
                    offset: at as u64,
                    symbol: text_symbol,
                    addend: 0,
                    flags: reloc(elf::R_ARM_ABS32),
                },
            )
            .map_err(|e| fail(e.to_string()))?;
        }
    }
    obj.set_section_data(data_id, data, 8);

    let symbol = |name: Vec<u8>, value: u64, size: u64, kind, global: bool, section| Symbol {
        name,
        value,
        size,
        kind,
        scope: if global { SymbolScope::Dynamic } else { SymbolScope::Compilation },
        weak: false,
        section: SymbolSection::Section(section),
        flags: SymbolFlags::None,
    };
    obj.add_symbol(symbol(b"$t".to_vec(), 0, 0, SymbolKind::Label, false, text_id));
    for f in &module.functions {
        let name = if f.exported { f.name.clone() } else { format!("__wasm_func_{}", f.index) };
        let offset = (f.addr - module.text_addr) as u64;
        obj.add_symbol(symbol(
            symbol_name(&name),
            offset | 1,
            f.stats.code_bytes as u64,
            SymbolKind::Text,
            f.exported,
            text_id,
        ));
    }
    for g in module.globals.iter().filter(|g| g.export.is_some()) {
        let name = symbol_name(g.export.as_deref().expect("filtered"));
        let offset = (crate::global_addr(g.index) - crate::DATA_BASE) as u64;
        obj.add_symbol(symbol(name, offset, 4 * g.ty.words() as u64, SymbolKind::Data, true, data_id));
    }
    if let (Some(m), Some(memory_id)) = (memory, memory_id) {
        let name = symbol_name(m.export.as_deref().unwrap_or("__wasm_memory"));
        obj.add_symbol(symbol(name, 0, 0, SymbolKind::Data, true, memory_id));
        obj.add_symbol(Symbol {
            name: b"__wasm_memory_max_bytes".to_vec(),
            value: m.max_pages as u64 * crate::PAGE_BYTES as u64,
            size: 0,
            kind: SymbolKind::Data,
            scope: SymbolScope::Dynamic,
            weak: false,
            section: SymbolSection::Absolute,
            flags: SymbolFlags::None,
        });
    }
    obj.write().map_err(|e| fail(e.to_string()))
}
