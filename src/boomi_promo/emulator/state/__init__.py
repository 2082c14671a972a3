"""The emulated Boomi accounts, one module per Boomi object.

Each object module adds its operations to the one before it, from `core` (the data, the lock,
the clock) through accounts, folders, branches, components, references, packaged components,
merge requests, environments, integration packs, releases, processes and deployed packages to
`queries`; `world.EmulatorState` is the whole: construction, files, and `settle`.
"""
